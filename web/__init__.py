"""The web face's pieces that need no Gradio: rendering (:mod:`web.render`) and the feedback log."""
