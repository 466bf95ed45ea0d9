import ActivityCLI

ActivityMain.main()
