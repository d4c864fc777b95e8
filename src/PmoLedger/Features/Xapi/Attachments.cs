using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace PmoLedger.Features.Xapi;

/// <summary>The bytes of a statement attachment, kept once per SHA-256 whatever statements carry it.</summary>
public sealed class XapiAttachment
{
    public string Id { get; set; } = "";
    public string ContentType { get; set; } = "";
    public byte[] Content { get; set; } = [];
}

/// <summary>One part of a multipart/mixed statement request after the statements themselves.</summary>
public sealed record AttachmentPart(string Sha2, string ContentType, byte[] Content);

/// <summary>
/// Statements with attachments travel as multipart/mixed: the statements first, then one part per
/// attachment named by its SHA-256 (X-Experience-API-Hash). Signed statements carry a JWS as such an
/// attachment. Reading, checking and writing those bodies.
/// </summary>
public static class StatementAttachments
{
    public const string SignatureUsage = "http://adlnet.gov/expapi/attachments/signature";
    private static readonly string[] SignatureAlgorithms = ["RS256", "RS384", "RS512"];

    public static async Task<(string? Json, List<AttachmentPart> Parts, string? Problem)> ReadMultipart(HttpRequest request, CancellationToken ct)
    {
        var parts = new List<AttachmentPart>();
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 } boundary)
            return (null, parts, "A multipart/mixed body needs a boundary.");
        var reader = new MultipartReader(boundary, request.Body);
        string? json = null;
        try
        {
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                using var buffer = new MemoryStream();
                await section.Body.CopyToAsync(buffer, ct);
                var contentType = section.ContentType ?? "";
                if (json is null)
                {
                    if (!contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
                        return (null, parts, "The first part of a multipart/mixed body must be the statements as application/json.");
                    json = Encoding.UTF8.GetString(buffer.ToArray());
                    continue;
                }
                if (!section.Headers!.TryGetValue("X-Experience-API-Hash", out var hash) || hash.ToString().Length == 0)
                    return (null, parts, "Every attachment part needs an X-Experience-API-Hash header.");
                if (!section.Headers.TryGetValue("Content-Transfer-Encoding", out var encoding) || !encoding.ToString().Equals("binary", StringComparison.OrdinalIgnoreCase))
                    return (null, parts, "Every attachment part needs Content-Transfer-Encoding: binary.");
                var content = buffer.ToArray();
                if (!Convert.ToHexStringLower(SHA256.HashData(content)).Equals(hash.ToString(), StringComparison.OrdinalIgnoreCase))
                    return (null, parts, $"The attachment part {hash} does not have that SHA-256.");
                parts.Add(new AttachmentPart(hash.ToString().ToLowerInvariant(), contentType, content));
            }
        }
        catch (IOException e)
        {
            return (null, parts, $"The multipart/mixed body cannot be read: {e.Message}");
        }
        return json is null ? (null, parts, "The multipart/mixed body has no statements part.") : (json, parts, null);
    }

    /// <summary>Every attachment without a fileUrl has its part, every part belongs to an attachment, every signature holds.</summary>
    public static string? Check(IReadOnlyList<JsonObject> statements, IReadOnlyList<AttachmentPart> parts)
    {
        var declared = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var statement in statements)
        {
            if (statement["attachments"] is not JsonArray attachments) continue;
            foreach (var attachment in attachments.OfType<JsonObject>())
            {
                var sha2 = StatementIndex.Text(attachment["sha2"]) ?? "";
                declared.Add(sha2);
                var part = parts.FirstOrDefault(p => p.Sha2.Equals(sha2, StringComparison.OrdinalIgnoreCase));
                if (part is null && attachment["fileUrl"] is null) return $"The attachment {sha2} has neither a fileUrl nor a part in the request.";
                if (StatementIndex.Text(attachment["usageType"]) == SignatureUsage && part is not null && CheckSignature(statement, attachment, part) is { } bad)
                    return bad;
            }
        }
        return parts.FirstOrDefault(p => !declared.Contains(p.Sha2)) is { } stray ? $"The part {stray.Sha2} is not an attachment of any statement." : null;
    }

    private static string? CheckSignature(JsonObject statement, JsonObject attachment, AttachmentPart part)
    {
        if (StatementIndex.Text(attachment["contentType"]) != "application/octet-stream" || !part.ContentType.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
            return "A signature attachment is application/octet-stream.";
        var segments = Encoding.ASCII.GetString(part.Content).Trim().Split('.');
        if (segments.Length != 3) return "The signature is not a JWS in compact serialization.";
        try
        {
            var header = JsonNode.Parse(WebEncoders.Base64UrlDecode(segments[0]));
            if (!SignatureAlgorithms.Contains(StatementIndex.Text(header?["alg"]))) return "A statement signature uses RS256, RS384 or RS512.";
            if (JsonNode.Parse(WebEncoders.Base64UrlDecode(segments[1])) is not JsonObject payload) return "The signature's payload is not a statement.";
            // The signed statement is the one sent, before the signature was attached and the LRS added its own properties.
            var sent = (JsonObject)statement.DeepClone();
            foreach (var added in new[] { "attachments", "authority", "stored", "version" }) { sent.Remove(added); payload.Remove(added); }
            if (!StatementComparison.Same(sent, payload)) return "The signature's payload differs from the statement.";
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return "The signature's header or payload is not valid JSON.";
        }
        return null;
    }

    /// <summary>A StatementResult (or one statement) with the attachments it names, as multipart/mixed.</summary>
    public static async Task<IResult> Multipart(JsonNode result, IEnumerable<JsonObject> statements, IQuerySession session, CancellationToken ct)
    {
        var hashes = statements.SelectMany(s => s["attachments"] as JsonArray ?? []).Select(a => StatementIndex.Text(a?["sha2"])).OfType<string>()
            .Select(h => h.ToLowerInvariant()).Distinct().ToArray();
        var stored = hashes.Length == 0 ? [] : await session.LoadManyAsync<XapiAttachment>(ct, hashes);
        var boundary = "xapi-" + Guid.NewGuid().ToString("N");
        using var body = new MemoryStream();
        void Write(string text) => body.Write(Encoding.UTF8.GetBytes(text));
        Write($"--{boundary}\r\nContent-Type: application/json\r\n\r\n{result.ToJsonString()}\r\n");
        foreach (var attachment in stored)
        {
            Write($"--{boundary}\r\nContent-Type: {attachment.ContentType}\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {attachment.Id}\r\n\r\n");
            body.Write(attachment.Content);
            Write("\r\n");
        }
        Write($"--{boundary}--\r\n");
        return Results.Bytes(body.ToArray(), $"multipart/mixed; boundary={boundary}");
    }
}

/// <summary>When two statements are the same: equal JSON, durations compared to the hundredth of a second.</summary>
public static class StatementComparison
{
    public static bool Same(JsonObject a, JsonObject b)
    {
        var (x, y) = ((JsonObject)a.DeepClone(), (JsonObject)b.DeepClone());
        Truncate(x);
        Truncate(y);
        return JsonNode.DeepEquals(x, y);
    }

    private static void Truncate(JsonObject statement)
    {
        foreach (var holder in new[] { statement, statement["object"] as JsonObject })
        {
            if (holder?["result"] is not JsonObject result || StatementIndex.Text(result["duration"]) is not { } duration) continue;
            result["duration"] = System.Text.RegularExpressions.Regex.Replace(duration, @"(\d+)\.(\d{0,2})\d*S$", m =>
                $"{m.Groups[1].Value}.{m.Groups[2].Value.PadRight(2, '0')}S");
        }
    }
}
