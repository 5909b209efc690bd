from mlfund.cli import main

raise SystemExit(main())
