// Package static embeds Viva's web app, served at / by `viva serve`.
package static

import (
	"embed"
	"io/fs"
)

//go:embed *.html css js
var files embed.FS

// Files is the web app's file tree.
func Files() fs.FS { return files }
