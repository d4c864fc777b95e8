using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace PmoLedger.Features.Credentials;

/// <summary>An RSA key that signs or verifies credentials, named by its RFC 7638 thumbprint.</summary>
public sealed class SigningKey
{
    public const int MinimumBits = 2048;

    public string KeyId { get; }
    public RSA Rsa { get; }
    public bool HasPrivatePart { get; }

    private SigningKey(RSA rsa, bool hasPrivatePart)
    {
        Rsa = rsa;
        HasPrivatePart = hasPrivatePart;
        KeyId = Thumbprint(rsa.ExportParameters(false));
    }

    /// <summary>A PEM key (private or public, PKCS#1 or PKCS#8/SPKI); <paramref name="name"/> is the setting it came from, for the error.</summary>
    public static SigningKey FromPem(string pem, string name)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
        }
        catch (ArgumentException)
        {
            throw new InvalidOperationException($"{name} is not an RSA key in PEM form (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----).");
        }
        if (rsa.KeySize < MinimumBits)
            throw new InvalidOperationException($"{name} is a {rsa.KeySize}-bit RSA key; credentials need at least {MinimumBits} bits.");
        bool hasPrivate;
        try
        {
            hasPrivate = rsa.ExportParameters(true).D is not null;
        }
        catch (CryptographicException)
        {
            hasPrivate = false;
        }
        return new SigningKey(rsa, hasPrivate);
    }

    public static SigningKey Generate(int bits = 3072) => new(RSA.Create(bits), true);

    /// <summary>The public JWK: kty, n, e, plus kid, use and alg. Never a private member.</summary>
    public JsonObject PublicJwk()
    {
        var p = Rsa.ExportParameters(false);
        return new JsonObject
        {
            ["kty"] = "RSA", ["n"] = Base64Url.EncodeToString(p.Modulus), ["e"] = Base64Url.EncodeToString(p.Exponent),
            ["kid"] = KeyId, ["use"] = "sig", ["alg"] = "RS256"
        };
    }

    /// <summary>RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace.</summary>
    public static string Thumbprint(RSAParameters p) => Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(
        $$"""{"e":"{{Base64Url.EncodeToString(p.Exponent)}}","kty":"RSA","n":"{{Base64Url.EncodeToString(p.Modulus)}}"}""")));
}

/// <summary>
/// The keys of section "Credentials": SigningKey signs every new credential and status list; RetiredKeys are published
/// so that credentials they signed still verify. See docs/credentials.md "Keys".
/// </summary>
public sealed class CredentialKeys
{
    public SigningKey Signing { get; }
    public IReadOnlyList<SigningKey> All { get; }

    /// <summary>Where a generated development key lives (null when configured), and whether this start created it.</summary>
    public string? DevelopmentKeyFile { get; }
    public bool GeneratedNow { get; }

    public CredentialKeys(SigningKey signing, IEnumerable<SigningKey> retired, string? developmentKeyFile = null, bool generatedNow = false)
    {
        if (!signing.HasPrivatePart) throw new InvalidOperationException("Credentials:SigningKey must be a private key: it signs.");
        Signing = signing;
        All = [signing, .. retired.Where(k => k.KeyId != signing.KeyId).DistinctBy(k => k.KeyId)];
        DevelopmentKeyFile = developmentKeyFile;
        GeneratedNow = generatedNow;
    }

    public SigningKey? Find(string? keyId) => All.FirstOrDefault(k => k.KeyId == keyId);

    public JsonObject Jwks() => new() { ["keys"] = new JsonArray([.. All.Select(k => (JsonNode)k.PublicJwk())]) };

    public static CredentialKeys From(IConfiguration configuration, IHostEnvironment environment)
    {
        var retired = configuration.GetSection("Credentials:RetiredKeys").Get<string[]>() ?? [];
        var retiredKeys = retired.Select((value, i) => SigningKey.FromPem(Read(value, $"Credentials:RetiredKeys:{i}"), $"Credentials:RetiredKeys:{i}")).ToList();

        var configured = configuration["Credentials:SigningKey"];
        if (!string.IsNullOrWhiteSpace(configured))
            return new CredentialKeys(SigningKey.FromPem(Read(configured, "Credentials:SigningKey"), "Credentials:SigningKey"), retiredKeys);
        if (!environment.IsDevelopment())
            throw new InvalidOperationException(
                "Credentials:SigningKey is not configured. Set an RSA private key of at least 2048 bits in PEM form, or the path of one " +
                "(`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out signing.pem`), e.g. Credentials__SigningKey=/etc/pmoledger/signing.pem; " +
                "the service will not start without it.");

        var file = configuration["Credentials:DevelopmentKeyFile"]
                   ?? Path.Combine(Path.GetTempPath(), $"pmoledger-{Environment.UserName}", "credential-signing-key.pem");
        var (key, generated) = ReadOrCreate(file);
        return new CredentialKeys(key, retiredKeys, file, generated);
    }

    /// <summary>A setting holds the PEM itself or the path of a file holding it.</summary>
    private static string Read(string value, string name)
    {
        if (value.Contains("-----BEGIN", StringComparison.Ordinal)) return value;
        var path = value.Trim();
        return File.Exists(path)
            ? File.ReadAllText(path)
            : throw new InvalidOperationException($"{name} is neither a PEM key nor the path of a file that exists ('{path}').");
    }

    private static (SigningKey Key, bool Generated) ReadOrCreate(string file)
    {
        if (File.Exists(file)) return (SigningKey.FromPem(File.ReadAllText(file), file), false);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var key = SigningKey.Generate();
        try
        {
            using var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            stream.Write(Encoding.ASCII.GetBytes(key.Rsa.ExportPkcs8PrivateKeyPem()));
            return (key, true);
        }
        catch (IOException) when (File.Exists(file))
        {
            // Another process on this machine created it first: use theirs.
            return (SigningKey.FromPem(File.ReadAllText(file), file), false);
        }
    }
}
