//go:build linux

package childproc

import "syscall"

// sysProcAttr puts the child in its own process group (so a terminal's Ctrl-C
// reaches only the Go parent, which then stops the child in order) and has the
// kernel SIGKILL it if the parent dies first.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
