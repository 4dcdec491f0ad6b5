using Microsoft.Extensions.Options;

namespace PhalaWorker.Agent.Hosting;

/// <summary>
/// The rules DataAnnotations cannot state: listen URLs Kestrel can bind (the gRPC one's scheme agrees with the TLS mode), an
/// absolute public endpoint (https:// for an RA-TLS node).
/// </summary>
internal sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!ListenAddress.TryParse(options.Listen, out var listen, out var error))
        {
            failures.Add($"Agent:Listen {error}, e.g. {(options.IsPlaintext ? "http" : "https")}://127.0.0.1:7080");
        }
        else if (listen.Https == options.IsPlaintext)
        {
            // The scheme alone never turns TLS off: a leftover http:// URL fails the start instead of serving cleartext.
            failures.Add(options.IsPlaintext
                ? $"Agent:Listen '{options.Listen}' is https:// but Agent:TlsMode is plaintext; give http://HOST:PORT (or drop TlsMode to serve RA-TLS)"
                : $"Agent:Listen '{options.Listen}' is http:// (cleartext), but the gRPC listener serves RA-TLS (Agent:TlsMode ra-tls, the default); give https://HOST:PORT, or set Agent:TlsMode=plaintext to serve h2c (default clients then refuse the node)");
        }

        if (!string.IsNullOrEmpty(options.MetricsListen))
        {
            if (!ListenAddress.TryParse(options.MetricsListen, out var metrics, out error) || metrics.Https)
            {
                failures.Add($"Agent:MetricsListen {(metrics.Https ? $"'{options.MetricsListen}' is https://; the metrics listener is plain HTTP/1.1" : error)}, e.g. http://127.0.0.1:9464 (empty turns it off)");
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
        else if (!string.IsNullOrEmpty(options.PublicEndpoint) && !options.IsPlaintext && !options.PublicEndpoint.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"Agent:PublicEndpoint '{options.PublicEndpoint}' is http://, but the node serves RA-TLS: submitters must dial https://HOST:PORT");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
