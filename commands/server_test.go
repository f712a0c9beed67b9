package commands

import (
	"net"
	"testing"
)

// TestProtectedDenies is protected mode's decision, case by case: Redis's
// islocalClient compares the peer's address text with "127.0.0.1" and
// "::1" only, and takes every unix-socket client as local.
func TestProtectedDenies(t *testing.T) {
	tcp := func(ip string) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: 40000} }
	cases := []struct {
		name      string
		protected bool
		pass      string
		peer      net.Addr
		deny      bool
	}{
		{"loopback v4", true, "", tcp("127.0.0.1"), false},
		{"loopback v6", true, "", tcp("::1"), false},
		{"loopback v4 in v6", true, "", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1).To16()}, false},
		{"loopback v4 as 4 bytes", true, "", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1).To4()}, false},
		{"unix socket", true, "", &net.UnixAddr{Name: "/tmp/numkv.sock", Net: "unix"}, false},
		{"unnamed unix peer", true, "", &net.UnixAddr{Net: "unix"}, false},
		{"nil unix peer", true, "", (*net.UnixAddr)(nil), false},
		{"other 127/8 address", true, "", tcp("127.0.0.2"), true},
		{"private v4", true, "", tcp("10.77.1.2"), true},
		{"public v4", true, "", tcp("192.0.2.1"), true},
		{"v6", true, "", tcp("2001:db8::1"), true},
		{"v6 link-local", true, "", tcp("fe80::1"), true},
		{"unspecified", true, "", tcp("0.0.0.0"), true},
		{"nil tcp peer", true, "", (*net.TCPAddr)(nil), true},
		{"no address", true, "", nil, true},
		{"protected mode off", false, "", tcp("10.77.1.2"), false},
		{"password set", true, "pw", tcp("10.77.1.2"), false},
		{"off and password", false, "pw", tcp("192.0.2.1"), false},
		{"off, loopback", false, "", tcp("127.0.0.1"), false},
	}
	for _, tc := range cases {
		if got := protectedDenies(tc.protected, tc.pass, tc.peer); got != tc.deny {
			t.Errorf("%s: protectedDenies(%v, %q, %v) = %v, want %v", tc.name, tc.protected, tc.pass, tc.peer, got, tc.deny)
		}
	}
}
