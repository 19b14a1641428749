import VigilCLI

await VigilCommand.runMain()
