"""``python -m bench``: the corpus and scale benchmark (see :mod:`bench.corpus`).

``python -m bench milvus [...]`` runs the Milvus store beside the embedded one instead (:mod:`bench.milvus`).
"""

import sys

if sys.argv[1:2] == ["milvus"]:
    from .milvus import main

    raise SystemExit(main(sys.argv[2:]))

from .corpus import main

raise SystemExit(main())
