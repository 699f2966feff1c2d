"""The image side: a vmlinux read into an ImageModel (symbols, notes, doors, code bytes).

Importing this package is free; numpy and pyelftools are imported by linter.image.model, which
only image commands and image rules load (a diff-only run must stay light).
"""
