using System.Net;

namespace PhalaWorker.Agent.Hosting;

/// <summary>
/// A listen URL (<c>https://HOST:PORT</c> or <c>http://HOST:PORT</c>) as Kestrel binds it: HOST is an IP address,
/// <c>localhost</c> (loopback) or <c>*</c>/<c>+</c> (every address). Names other than localhost are refused: binding is by
/// address. <see cref="Https"/> says which scheme was given; which one a listener must use is the caller's rule.
/// </summary>
internal readonly record struct ListenAddress(IPAddress Address, int Port)
{
    /// <summary>True for an <c>https://</c> URL.</summary>
    public bool Https { get; init; }

    public static bool TryParse(string? value, out ListenAddress address, out string error)
    {
        address = default;
        if (string.IsNullOrWhiteSpace(value))
        {
            error = "is empty";
            return false;
        }

        // Uri does not accept "*" or "+" as a host; map them to a placeholder first.
        var wildcard = value.Contains("://*", StringComparison.Ordinal) || value.Contains("://+", StringComparison.Ordinal);
        var text = wildcard ? value.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal) : value;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            error = $"'{value}' is not an https://HOST:PORT or http://HOST:PORT URL";
            return false;
        }

        var https = uri.Scheme == Uri.UriSchemeHttps;

        if (uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            error = $"'{value}' has a path, query or user; give only http://HOST:PORT";
            return false;
        }

        if (uri.IsDefaultPort && !value.Contains(https ? ":443" : ":80", StringComparison.Ordinal))
        {
            error = $"'{value}' has no port; give {uri.Scheme}://HOST:PORT";
            return false;
        }

        IPAddress ip;
        if (wildcard)
        {
            ip = IPAddress.Any;
        }
        else if (uri.Host == "localhost")
        {
            ip = IPAddress.Loopback;
        }
        else if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out ip!) || uri.HostNameType is not (UriHostNameType.IPv4 or UriHostNameType.IPv6))
        {
            error = $"'{value}' names host '{uri.Host}'; give an IP address, localhost or *";
            return false;
        }

        address = new ListenAddress(ip, uri.Port) { Https = https };
        error = "";
        return true;
    }

    /// <summary>Parses a listen setting or throws the configuration error naming <paramref name="key"/>.</summary>
    public static ListenAddress Parse(string key, string? value, string example) =>
        TryParse(value, out var address, out var error)
            ? address
            : throw new AgentStartupException(AgentExitCode.Configuration, $"{key} {error}, e.g. {example}");
}
