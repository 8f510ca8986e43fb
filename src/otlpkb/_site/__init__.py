"""What the site's build needs from the package: page helpers, the catalogue, the cache.

Not part of the library's API. These modules live in the package, and not beside the
MkDocs configuration, so that an executed block imports them like any other module: no
MkDocs hook has to put them on the import path, and any builder that runs markdown-exec
fences (MkDocs today, Zensical tomorrow) finds them.

- `pagekit`: reproducible figures and tables for executed blocks.
- `catalogue`: chapter pages and their front matter, the navigation, the landing map.
- `execute`: the executed-fence formatter with its content-addressed output cache.
- `generate`: the files generated from the catalogue (navigation, API reference pages,
  downloadable notebooks), written by `python -m otlpkb._site.generate`.
"""
