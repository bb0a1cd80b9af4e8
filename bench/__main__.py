"""``python -m bench``: the corpus and scale benchmark (see :mod:`bench.corpus`)."""

from .corpus import main

raise SystemExit(main())
