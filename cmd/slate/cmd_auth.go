package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/slatehq/slate/internal/auth"
)

// runAuth prints what goes into the auth section of the configuration:
// a bcrypt hash of a password read from stdin, or a new API token and the
// hash to configure (the token itself is shown once and stored nowhere).
func runAuth(_ context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: slate auth hash-password < password | slate auth new-token")
	}
	switch args[0] {
	case "hash-password":
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read the password from stdin: %w", err)
		}
		pw := strings.TrimRight(line, "\r\n")
		if len(pw) < 8 {
			return errors.New("the password must have at least 8 characters")
		}
		h, err := auth.HashPassword(pw)
		if err != nil {
			return err
		}
		fmt.Println(h)
		return nil
	case "new-token":
		plain, hash, err := auth.NewToken()
		if err != nil {
			return err
		}
		fmt.Printf("token (give it to the client; it is not stored): %s\nhash (put it in auth.tokens[].hash):          %s\n", plain, hash)
		return nil
	}
	return fmt.Errorf("unknown auth command %q (hash-password, new-token)", args[0])
}
