using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace PmoLedger.Features.Providers;

/// <summary>
/// The stored half of an API key. The key is `pmo_{keyId}_{secret}`: the id finds the row,
/// and only a SHA-256 of the secret is kept, compared in constant time.
/// </summary>
public sealed class ProviderApiKey
{
    public string Id { get; set; } = "";
    public Guid ProviderId { get; set; }
    public string ProviderName { get; set; } = "";
    public byte[] SecretHash { get; set; } = [];
    public bool Revoked { get; set; }

    /// <summary>A new random key (256 bits of secret) and the row that recognises it.</summary>
    public static (string ApiKey, ProviderApiKey Stored) Issue(Guid providerId, string providerName)
    {
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var stored = new ProviderApiKey { Id = keyId, ProviderId = providerId, ProviderName = providerName, SecretHash = Hash(secret) };
        return ($"pmo_{keyId}_{secret}", stored);
    }

    public static bool TryParse(string apiKey, out string keyId, out string secret)
    {
        keyId = secret = "";
        // The secret is base64url, which may itself contain '_': only the first two separate.
        var parts = apiKey.Split('_', 3);
        if (parts.Length != 3 || parts[0] != "pmo" || parts[1].Length != 16 || parts[2].Length < 32) return false;
        (keyId, secret) = (parts[1], parts[2]);
        return true;
    }

    public bool Matches(string secret) => CryptographicOperations.FixedTimeEquals(Hash(secret), SecretHash);

    /// <summary>Shared with the LRS credentials, which keep their secrets the same way.</summary>
    internal static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    internal static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// Keys recently found valid, so a busy provider's every request does not read its key row again.
/// Entries live a few seconds (Auth:ApiKeyCacheSeconds); rotating a key evicts it on this node at
/// once, and other nodes stop accepting it when their entry expires.
/// </summary>
public sealed class ProviderKeyCache(IConfiguration configuration, TimeProvider clock)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (ProviderApiKey Key, DateTimeOffset Until)> _keys = new();
    private readonly TimeSpan _lifetime = TimeSpan.FromSeconds(configuration.GetValue("Auth:ApiKeyCacheSeconds", 10));

    public ProviderApiKey? Find(string keyId) =>
        _keys.TryGetValue(keyId, out var entry) && entry.Until > clock.GetUtcNow() ? entry.Key : null;

    public void Remember(ProviderApiKey key)
    {
        if (_lifetime > TimeSpan.Zero) _keys[key.Id] = (key, clock.GetUtcNow() + _lifetime);
    }

    public void Forget(IEnumerable<string> keyIds)
    {
        foreach (var id in keyIds) _keys.TryRemove(id, out _);
    }
}

public sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IDocumentStore store,
    ProviderKeyCache cache)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Header = "X-Api-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(Header, out var values)) return AuthenticateResult.NoResult();
        if (!ProviderApiKey.TryParse(values.ToString(), out var keyId, out var secret))
            return AuthenticateResult.Fail("Malformed API key.");

        var stored = cache.Find(keyId);
        if (stored is null)
        {
            await using var session = store.QuerySession();
            stored = await session.LoadAsync<ProviderApiKey>(keyId, Context.RequestAborted);
            if (stored is { Revoked: false }) cache.Remember(stored);
        }
        if (stored is null || stored.Revoked || !stored.Matches(secret))
            return AuthenticateResult.Fail("Unknown or revoked API key.");

        var identity = new ClaimsIdentity(
        [
            new Claim(JwtRegisteredClaimNames.Sub, $"provider:{stored.ProviderId}"),
            new Claim(Roles.RoleClaim, Roles.Provider),
            new Claim(Roles.ProviderClaim, stored.ProviderId.ToString()),
            new Claim("provider_name", stored.ProviderName)
        ], SchemeName, JwtRegisteredClaimNames.Sub, Roles.RoleClaim);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}

public static class ProviderApiKeySetup
{
    /// <summary>The API-key scheme providers authenticate with, next to the JWT bearer scheme.</summary>
    public static AuthenticationBuilder AddProviderApiKeys(this AuthenticationBuilder auth)
    {
        auth.Services.AddSingleton<ProviderKeyCache>();
        return auth.AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, _ => { });
    }
}
