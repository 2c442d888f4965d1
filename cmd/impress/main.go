// Command impress cuts, renders and publishes Instagram videos; see package cli.
package main

import (
	"os"

	"github.com/impress-dev/impress/cli"
)

func main() { os.Exit(cli.Main()) }
