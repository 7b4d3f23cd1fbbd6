// Package corpus embeds the interview text the speech engine learns the
// domain from (train/: spoken-style answers and key terms, which feed the
// domain language model) and is measured on (heldout/: answers and their
// key terms that never feed the model).
package corpus

import (
	"embed"
	"io/fs"
)

//go:embed train/*.txt heldout/*.txt
var files embed.FS

// Train is the text the domain language model is estimated from.
func Train() fs.FS { return sub("train") }

// Heldout is the test set: answers.txt and terms.txt.
func Heldout() fs.FS { return sub("heldout") }

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic(err) // the directories are embedded above
	}
	return f
}
