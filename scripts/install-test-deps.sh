#!/usr/bin/env bash
# Installs what the test suite needs and this machine lacks: Debian's
# redis-server and redis-tools (the differential tests' reference and
# redis-cli/redis-benchmark), python3-redis with python3-numpy (the
# slice-semantics oracle and the Python client's dependencies), and what
# installing the client offline into a venv takes: python3-venv (ensurepip
# and its wheels), python3-pip, and the build backend python3-setuptools
# with python3-wheel, used as they are (--no-build-isolation). Go modules
# come through the module proxy.
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
/usr/bin/python3 -c 'import redis' >/dev/null 2>&1 || need+=(python3-redis)
/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1 || need+=(python3-numpy)
/usr/bin/python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
/usr/bin/python3 -c 'import pip' >/dev/null 2>&1 || need+=(python3-pip)
/usr/bin/python3 -c 'import setuptools' >/dev/null 2>&1 || need+=(python3-setuptools)
/usr/bin/python3 -c 'import wheel' >/dev/null 2>&1 || need+=(python3-wheel)
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing: ${need[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian starts the packaged redis-server as a service; the tests start their
# own instances on loopback, so stop that one rather than leave it on 6379.
if command -v systemctl >/dev/null 2>&1; then $sudo systemctl stop redis-server >/dev/null 2>&1 || true; fi
if [ -x /etc/init.d/redis-server ]; then $sudo /etc/init.d/redis-server stop >/dev/null 2>&1 || true; fi
