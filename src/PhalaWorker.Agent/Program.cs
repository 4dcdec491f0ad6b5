var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
await app.RunAsync();

/// <summary>The agent's entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
