from assetcheck.cli import main

main()
