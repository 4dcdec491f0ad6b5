using PhalaWorker.Agent;
using PhalaWorker.Attestation;
using PhalaWorker.Compute;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddCommandLine(args, AgentOptions.SwitchMappings);
builder.WebHost.UseAgentKestrel();
builder.Services.AddAgent(builder.Configuration);
builder.Services.AddAgentGrpc(builder.Configuration, builder.Environment);
builder.Services.AddAttestation(builder.Configuration.GetSection("Attestation"));
builder.Services.AddCompute(builder.Configuration.GetSection("Compute"));
builder.Services.AddAgentTelemetry(builder.Configuration);

var app = builder.Build();
app.MapAgent();
await app.RunAsync();

/// <summary>The agent's entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
