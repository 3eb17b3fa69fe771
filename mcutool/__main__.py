from mcutool.cli import main

main()
