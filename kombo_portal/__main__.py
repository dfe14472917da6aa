import sys

from kombo_portal.cli import main

sys.exit(main())
