from factories import *  # noqa: F403
