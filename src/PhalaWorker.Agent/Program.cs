using PhalaWorker.Agent;
using PhalaWorker.Agent.Hosting;
using PhalaWorker.Attestation;
using PhalaWorker.Chain;
using PhalaWorker.Compute;

// --help/--version, and one stderr line with a documented exit code for any start-up error (Hosting/AgentHost).
return await AgentHost.RunAsync(args, Console.Out, Console.Error, static async args =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.Configuration.AddAgentConfiguration(args, builder.Environment);
    builder.Host.UseSystemd();
    builder.WebHost.UseAgentKestrel();
    builder.Services.AddAgent(builder.Configuration);
    builder.Services.AddChain(builder.Configuration.GetSection(ChainOptions.SectionName));
    builder.Services.AddAgentGrpc(builder.Configuration, builder.Environment);
    builder.Services.AddAttestation(builder.Configuration.GetSection("Attestation"));
    builder.Services.AddCompute(builder.Configuration.GetSection("Compute"));
    builder.Services.AddAgentTelemetry(builder.Configuration);

    var app = builder.Build();
    app.MapAgent();
    await app.RunAgentAsync();
});

/// <summary>The agent's entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
