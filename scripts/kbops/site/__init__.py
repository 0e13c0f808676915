"""Publishing: stage an audience's docs tree and build it with MkDocs Material (the `kbops` plugin)."""
