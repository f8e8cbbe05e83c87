from hpctui.cli import main

raise SystemExit(main())
