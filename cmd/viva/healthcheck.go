package main

import (
	"fmt"
	"net"
	"net/http"
	"time"
)

type healthcheckCmd struct {
	Addr    string        `default:"127.0.0.1:8080" env:"VIVA_ADDR" help:"Address viva serve listens on (0.0.0.0 and :: are checked on loopback)."`
	Timeout time.Duration `default:"3s" env:"VIVA_HEALTHCHECK_TIMEOUT" help:"How long to wait for an answer."`
}

func (c healthcheckCmd) Run(g *Globals) error {
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", c.Addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	client := http.Client{Timeout: c.Timeout}
	resp, err := client.Get("http://" + net.JoinHostPort(host, port) + "/healthz")
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: /healthz answered %s", resp.Status)
	}
	fmt.Fprintln(g.stdout, "ok")
	return nil
}
