using Command = System.CommandLine.Command;

namespace PhalaWorker.Cli.Commands;

/// <summary>
/// TEMPORARY <c>gpu</c> parent holding only <c>gpu info</c>, until the <c>gpu</c> command of GpuCommandFactory (gpu
/// verify / gpu show) is merged; then this file is deleted and GpuCommandFactory adds
/// <c>GpuInfoCommandFactory.Create(context)</c> to its subcommands.
/// </summary>
internal sealed class TemporaryGpuCommandFactory : ICommandFactory
{
    public Command Create(CliContext context)
    {
        var command = new Command("gpu", "NVIDIA GPU confidential computing: what this host reports.");
        command.Subcommands.Add(GpuInfoCommandFactory.Create(context));
        return command;
    }
}
