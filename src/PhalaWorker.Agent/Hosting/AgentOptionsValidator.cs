using Microsoft.Extensions.Options;

namespace PhalaWorker.Agent.Hosting;

/// <summary>The rules DataAnnotations cannot state: listen URLs Kestrel can bind, an absolute public endpoint.</summary>
internal sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!ListenAddress.TryParse(options.Listen, out var listen, out var error))
        {
            failures.Add($"Agent:Listen {error}, e.g. http://127.0.0.1:7080");
        }

        if (!string.IsNullOrEmpty(options.MetricsListen))
        {
            if (!ListenAddress.TryParse(options.MetricsListen, out var metrics, out error))
            {
                failures.Add($"Agent:MetricsListen {error}, e.g. http://127.0.0.1:9464 (empty turns it off)");
            }
            else if (metrics.Port == listen.Port && metrics.Port != 0)
            {
                failures.Add($"Agent:MetricsListen uses port {metrics.Port}, the same as Agent:Listen; give it its own port");
            }
        }

        if (!string.IsNullOrEmpty(options.PublicEndpoint)
            && (!Uri.TryCreate(options.PublicEndpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https")))
        {
            failures.Add($"Agent:PublicEndpoint '{options.PublicEndpoint}' is not an http(s):// URL");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
