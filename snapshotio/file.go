package snapshotio

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// fileBufSize is WriteFile's buffer: few, large, sequential writes.
const fileBufSize = 4 << 20

// WriteFile atomically replaces dir/name with a snapshot that fill writes,
// the way google/renameio does: it writes a temporary file in dir
// ("temp-<pid>-<random>.numkv", mode 0600; see RemoveTemps) through a
// large buffer, closes the Writer, fsyncs the file, closes it, renames it
// over dir/name and fsyncs dir. A crash at any moment leaves either the
// old file or the new one complete at dir/name, never a mix; what it
// leaves besides is a temporary file, which RemoveTemps removes.
//
// It returns the size of the new file. On any error, from fill (a panic
// included), the Writer, the file system (ENOSPC...) or the rename, it
// removes the temporary file, leaves dir/name as it was, and returns the
// error wrapped. An error from the last step, the directory's fsync, is
// the exception: the new file is in place by then, but may not survive a
// crash.
func WriteFile(dir, name string, opt Options, fill func(*Writer) error) (n int64, err error) {
	return writeFile(dir, name, opt, fill, nil)
}

// writeFile is WriteFile with a hook that wraps the temporary file's writer,
// for tests that inject write errors.
func writeFile(dir, name string, opt Options, fill func(*Writer) error, wrap func(io.Writer) io.Writer) (n int64, err error) {
	path := filepath.Join(dir, name)
	f, err := os.CreateTemp(dir, tempPattern())
	if err != nil {
		return 0, fmt.Errorf("snapshotio: write %s: %w", path, err)
	}
	tmp := f.Name()
	renamed := false
	defer func() {
		if !renamed {
			// Also on a panic from fill: the temporary file goes.
			f.Close()
			os.Remove(tmp)
		}
	}()

	var out io.Writer = f
	var direct directFile
	if wrap != nil {
		out = wrap(f)
	} else if d, err := openDirect(tmp); err == nil {
		direct = d
	} // else through the page cache
	bw := newAsyncWriter(out, fileBufSize, f, direct)
	defer bw.stop() // on every path, fill's panic included
	w := NewWriter(bw, opt)
	if err := fill(w); err != nil {
		return 0, fmt.Errorf("snapshotio: write %s: %w", path, err)
	}
	if err := w.Close(); err != nil {
		return 0, fmt.Errorf("snapshotio: write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return 0, fmt.Errorf("snapshotio: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return 0, fmt.Errorf("snapshotio: write %s: fsync: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("snapshotio: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, fmt.Errorf("snapshotio: write %s: %w", path, err)
	}
	renamed = true
	if err := syncDir(dir); err != nil {
		return w.Size(), fmt.Errorf("snapshotio: write %s: fsync directory: %w", path, err)
	}
	return w.Size(), nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
