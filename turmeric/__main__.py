import gc
import sys

gc.disable()  # through the imports too (main turns it on again before any Turmeric code runs)

from .cli import main  # noqa: E402

sys.exit(main())
