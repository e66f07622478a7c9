from cost_model.from_template import *  # noqa: F401,F403  (moved: cost_model.from_template)
