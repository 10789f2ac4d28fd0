//go:build unix && !linux

package childproc

import "syscall"

// sysProcAttr puts the child in its own process group. There is no Pdeathsig
// outside Linux; a crashed parent can leave the child running there.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
