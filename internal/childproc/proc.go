// Package childproc runs the helper servers Slate starts itself (a private
// ClickHouse for the demo and tests, a Kafka broker in tests): each in its
// own process group, reaped in the background, killed if Slate dies.
package childproc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"time"
)

// Process is a started child together with the goroutine that waits for it.
type Process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once the child has exited and been reaped
	err  error         // cmd.Wait's result; read only after done is closed
}

// Start starts cmd in its own process group and reaps it in the
// background.
//
// On Linux the child is also started with Pdeathsig=SIGKILL so that no server
// outlives a test binary that crashed or was killed. The kernel delivers that
// signal when the *thread* that forked the child exits, not the process, and the
// Go runtime may retire a thread after another goroutine locked it and exited.
// So the fork happens on a goroutine that locks its OS thread and keeps it (and
// the lock) until the child is reaped; that thread then cannot die early.
func Start(cmd *exec.Cmd) (*Process, error) {
	cmd.SysProcAttr = sysProcAttr()
	// Stdout/Stderr are usually not *os.File, so exec copies them through pipes;
	// do not let Wait hang on a pipe some grandchild inherited.
	cmd.WaitDelay = 5 * time.Second
	p := &Process{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// Never unlocked on purpose: returning while locked makes the runtime
		// discard this thread, which is harmless once the child is gone.
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// exited reports whether the child has already exited.
// Done is closed once the child has exited and been reaped.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err is the child's exit error (cmd.Wait's result); valid once Done is closed.
func (p *Process) Err() error { return p.err }

// Exited reports whether the child has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the child's process group, waits up to grace for it to
// exit and then SIGKILLs the group. It returns once the child is reaped. A child
// that was already gone is not an error.
func (p *Process) Stop(grace time.Duration) error {
	if p.Exited() {
		return nil
	}
	if err := terminateGroup(p.cmd.Process); err != nil {
		return p.Kill() // could not ask nicely: do not leave it running
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.done:
		return nil
	case <-t.C:
		if err := p.Kill(); err != nil {
			return err
		}
		return fmt.Errorf("did not exit within %v of SIGTERM, killed", grace)
	}
}

// kill SIGKILLs the child's process group and waits until the child is reaped.
func (p *Process) Kill() error {
	if p.Exited() {
		return nil
	}
	if err := killGroup(p.cmd.Process); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill pid %d: %w", p.cmd.Process.Pid, err)
	}
	<-p.done
	return nil
}

// tailWriter keeps the last limit bytes written to it, so that an error can show
// what a server printed just before it failed.
type TailWriter struct {
	mu    sync.Mutex
	limit int
	buf   []byte
}

func NewTailWriter(limit int) *TailWriter { return &TailWriter{limit: limit} }

func (w *TailWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, b...)
	if over := len(w.buf) - w.limit; over > 0 {
		w.buf = append(w.buf[:0], w.buf[over:]...)
	}
	return len(b), nil
}

func (w *TailWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.buf)
}

// fileTail returns up to the last limit bytes of the file at path ("" if it
// cannot be read).
func FileTail(path string, limit int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return ""
	}
	off := fi.Size() - limit
	if off < 0 {
		off = 0
	}
	b := make([]byte, fi.Size()-off)
	n, _ := f.ReadAt(b, off)
	return string(b[:n])
}
