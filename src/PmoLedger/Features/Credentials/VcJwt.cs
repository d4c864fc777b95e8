using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PmoLedger.Features.Credentials;

/// <summary>
/// VC-JWT as Open Badges 3.0 (section "JSON Web Token Proof Format") uses it: the JOSE header is exactly
/// <c>{alg: RS256, typ: JWT, kid}</c> and the payload is the credential with iss, jti, sub, nbf and exp claims that
/// repeat its issuer, id, subject and dates. The in-box RSA API signs, so the header holds nothing else.
/// </summary>
public static class VcJwt
{
    public const string MediaType = "application/vc+jwt";

    /// <summary>The credential's claims added to it, as the payload to sign.</summary>
    public static JsonObject Payload(JsonObject credential)
    {
        var payload = (JsonObject)credential.DeepClone();
        payload["iss"] = IssuerId(credential);
        payload["jti"] = credential["id"]!.GetValue<string>();
        if (credential["credentialSubject"]?["id"] is JsonValue subject) payload["sub"] = subject.GetValue<string>();
        payload["nbf"] = Seconds(credential["validFrom"]!.GetValue<string>());
        if (credential["validUntil"] is JsonValue until) payload["exp"] = Seconds(until.GetValue<string>());
        return payload;
    }

    public static string Sign(JsonObject payload, SigningKey key)
    {
        var header = new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = key.KeyId };
        var signingInput = $"{Encode(header)}.{Encode(payload)}";
        var signature = key.Rsa.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{signingInput}.{Base64Url.EncodeToString(signature)}";
    }

    /// <summary>A compact JWS taken apart: its header and payload when they decode, and whether one of the keys signed it.</summary>
    public sealed record Parsed(JsonObject? Header, JsonObject? Payload, bool SignatureValid);

    public static Parsed Read(string compact, CredentialKeys keys)
    {
        var parts = compact.Trim().Split('.');
        if (parts.Length != 3) return new Parsed(null, null, false);
        var header = Decode(parts[0]);
        var payload = Decode(parts[1]);
        if (header is null || payload is null) return new Parsed(header, payload, false);
        var valid = false;
        if (header["alg"] is JsonValue alg && alg.TryGetValue<string>(out var algorithm) && algorithm == "RS256"
            && header["kid"] is JsonValue kid && kid.TryGetValue<string>(out var keyId) && keys.Find(keyId) is { } key
            && TryDecode(parts[2]) is { } signature)
            valid = key.Rsa.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return new Parsed(header, payload, valid);
    }

    /// <summary>The payload of a JWS this service signed and stored (no check: it never left the database).</summary>
    public static JsonObject? PayloadOf(string compact) => compact.Split('.') is [_, var payload, _] ? Decode(payload) : null;

    public static string IssuerId(JsonObject credential) => credential["issuer"] switch
    {
        JsonObject profile => profile["id"]?.GetValue<string>() ?? "",
        JsonValue id => id.GetValue<string>(),
        _ => ""
    };

    public static long Seconds(string instant) => DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds();

    private static string Encode(JsonNode node) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(node.ToJsonString()));

    private static byte[]? TryDecode(string part)
    {
        try
        {
            return Base64Url.DecodeFromChars(part);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static JsonObject? Decode(string part)
    {
        if (TryDecode(part) is not { } bytes) return null;
        try
        {
            return JsonNode.Parse(bytes) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
