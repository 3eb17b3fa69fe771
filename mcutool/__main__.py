from mcutool.entry import main

main()
