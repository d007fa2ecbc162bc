import VPSCommands

VPS.runAndExit()
