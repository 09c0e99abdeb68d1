//go:build !unix

package tarnorm

import "errors"

func mkfifo(string) error { return errors.New("no fifos on this platform") }
