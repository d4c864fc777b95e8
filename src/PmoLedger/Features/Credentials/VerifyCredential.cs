using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace PmoLedger.Features.Credentials;

/// <summary>The official 1EdTech AchievementCredential schema (draft 2019-09), embedded; source and licence beside it.</summary>
public sealed class CredentialSchema
{
    // Read on the first verification, not when the HTTP endpoints are built at start (the library loads its
    // meta-schemas then too: tens of milliseconds of every cold start for a route few requests take).
    private readonly Lazy<JsonSchema> _schema = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("ob_v3p0_achievementcredential_schema.json")!;
        using var reader = new StreamReader(stream);
        return JsonSchema.FromText(reader.ReadToEnd(), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
    });

    public bool Validates(JsonObject credential) => _schema.Value.Evaluate(JsonSerializer.SerializeToElement(credential),
        new EvaluationOptions { OutputFormat = OutputFormat.Flag, RequireFormatValidation = true }).IsValid;
}

public sealed record VerificationChecks(bool Signature, bool Issuer, bool Dates, bool Status, bool Schema);

public sealed record Verification(bool Verified, VerificationChecks Checks, JsonObject? Credential);

/// <summary>What a verifier checks, as one function for the verify route and the credential's page.</summary>
public sealed class CredentialVerifier(CredentialKeys keys, CredentialSettings settings, CredentialSchema schema)
{
    public static readonly string[] Claims = ["iss", "jti", "sub", "nbf", "exp"];

    public async Task<Verification> VerifyAsync(string compact, IQuerySession session, DateTimeOffset now, CancellationToken ct)
    {
        var parsed = VcJwt.Read(compact, keys);
        if (parsed.Payload is not { } payload) return new Verification(false, new VerificationChecks(false, false, false, false, false), null);
        var credential = WithoutClaims(payload);

        var signature = parsed.SignatureValid && HeaderIsExact(parsed.Header!);
        var issuer = Text(payload, "iss") == settings.IssuerId && VcJwt.IssuerId(credential) == settings.IssuerId;
        var dates = Dates(payload, credential, now);
        var status = await StatusAsync(payload, credential, session, ct);
        var valid = SafeValidates(credential);
        var checks = new VerificationChecks(signature, issuer, dates, status, valid);
        return new Verification(signature && issuer && dates && status && valid, checks, signature ? credential : null);
    }

    /// <summary>The credential itself: the JWT payload without the claims that repeat it.</summary>
    public static JsonObject WithoutClaims(JsonObject payload)
    {
        var credential = (JsonObject)payload.DeepClone();
        foreach (var claim in Claims) credential.Remove(claim);
        return credential;
    }

    private static bool HeaderIsExact(JsonObject header) =>
        header.Count == 3 && Text(header, "alg") == "RS256" && Text(header, "typ") == "JWT" && Text(header, "kid") is not null;

    private static bool Dates(JsonObject payload, JsonObject credential, DateTimeOffset now)
    {
        if (!TryInstant(Text(credential, "validFrom"), out var from) || Number(payload, "nbf") != from.ToUnixTimeSeconds()) return false;
        if (now < from) return false;
        if (credential["validUntil"] is null) return payload["exp"] is null;
        return TryInstant(Text(credential, "validUntil"), out var until) && Number(payload, "exp") == until.ToUnixTimeSeconds() && now < until;
    }

    /// <summary>Ours, at the slot the ledger gave it, with the claims naming it, and its bit not set.</summary>
    private async Task<bool> StatusAsync(JsonObject payload, JsonObject credential, IQuerySession session, CancellationToken ct)
    {
        var id = Text(credential, "id");
        if (id is null || Text(payload, "jti") != id || Text(payload, "sub") != Text(credential["credentialSubject"] as JsonObject, "id")) return false;
        if (!id.StartsWith("urn:uuid:", StringComparison.Ordinal) || !Guid.TryParse(id["urn:uuid:".Length..], out var credentialId)) return false;
        if (credential["credentialStatus"] is not JsonObject entry || !int.TryParse(Text(entry, "statusListIndex"), out var index)) return false;
        var listUrl = Text(entry, "statusListCredential") ?? "";
        var prefix = settings.StatusListUrl(0)[..^1];
        if (!listUrl.StartsWith(prefix, StringComparison.Ordinal) || !int.TryParse(listUrl[prefix.Length..], out var list)) return false;
        var issued = await session.LoadAsync<IssuedCredential>(credentialId, ct);
        return issued is not null && issued.StatusList == list && issued.StatusIndex == index && issued.RevokedOn is null;
    }

    private bool SafeValidates(JsonObject credential)
    {
        try
        {
            return schema.Validates(credential);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? Text(JsonObject? json, string name) =>
        json?[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static long? Number(JsonObject json, string name) =>
        json[name] is JsonValue value && value.TryGetValue<long>(out var number) ? number : null;

    private static bool TryInstant(string? text, out DateTimeOffset instant) =>
        DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out instant);
}

public static class VerifyCredentialEndpoint
{
    public const int MaxBytes = 256 * 1024;

    [EndpointSummary("Verify a credential")]
    [EndpointDescription("Anyone. The body is a compact JWS (Content-Type application/vc+jwt or text/plain). Answers 200 with verified and the named checks (signature, issuer, dates, status, schema); a tampered or unknown credential is verified: false with the failed check false.")]
    [ProducesResponseType<Verification>(200)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status415UnsupportedMediaType, "application/problem+json")]
    [WolverinePost("/api/credentials/verify", OperationId = "verifyCredential")]
    [AllowAnonymous]
    public static async Task<IResult> Post(HttpRequest request, CredentialVerifier verifier, IQuerySession session, TimeProvider clock, CancellationToken ct)
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is not (VcJwt.MediaType or "text/plain"))
            return Results.Problem(new ProblemDetails
            {
                Status = StatusCodes.Status415UnsupportedMediaType, Title = "Unsupported Media Type",
                Detail = $"The body's content type '{request.ContentType}' is not accepted here; send the compact JWS as {VcJwt.MediaType} or text/plain."
            });
        using var reader = new StreamReader(request.Body);
        var body = (await reader.ReadToEndAsync(ct)).Trim();
        if (body.Length == 0) return Results.Problem(Problems.BadRequest("body", "The body must be a credential as a compact JWS (header.payload.signature)."));
        if (body.Length > MaxBytes) return Results.Problem(Problems.BadRequest("body", $"A credential is at most {MaxBytes} characters."));
        return Results.Ok(await verifier.VerifyAsync(body, session, clock.GetUtcNow(), ct));
    }
}
