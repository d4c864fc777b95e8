using Microsoft.Net.Http.Headers;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Credentials;

public sealed record CredentialItem(Guid CredentialId, string AchievementId, string Name, DateOnly ValidFrom, DateOnly? ValidUntil, string Status, string Url);

public static class GetCredentialsEndpoint
{
    public static ProblemDetails Before(ClaimsPrincipal user, Guid id) => user.SelfOr(id, Roles.Admin, Roles.Auditor);

    [EndpointSummary("List a practitioner's digital credentials")]
    [EndpointDescription("The practitioner, admins and auditors. Newest first; status is active, expired or revoked.")]
    [ProducesResponseType<IReadOnlyList<CredentialItem>>(200)]
    [WolverineGet("/api/practitioners/{id}/credentials", OperationId = "getCredentials")]
    public static async Task<IResult> Get(Guid id, IQuerySession session, CredentialSettings settings, TimeProvider clock, CancellationToken ct)
    {
        if (await session.LoadAsync<Practitioner>(id, ct) is null) return Results.Problem(Problems.NotFound($"No practitioner {id}."));
        return Results.Ok(await List(session, id, settings, clock.Today(), ct));
    }

    public static async Task<IReadOnlyList<CredentialItem>> List(IQuerySession session, Guid practitionerId, CredentialSettings settings, DateOnly today, CancellationToken ct)
    {
        var issued = await session.Query<IssuedCredential>().Where(c => c.PractitionerId == practitionerId).ToListAsync(ct);
        return issued.OrderByDescending(c => c.IssuedAt).ThenBy(c => c.Name)
            .Select(c => new CredentialItem(c.Id, settings.AchievementUrl(c.AchievementId), c.Name, c.ValidFrom, c.ValidUntil, c.StatusOn(today),
                settings.CredentialUrl(c.Id)))
            .ToList();
    }
}

/// <summary>
/// The public side: anyone holding a link may read and check a credential, without signing in. These are documents
/// for verifiers (Open Badges, JOSE), not the JSON API, so they stay out of its OpenAPI description, as the LRS does.
/// </summary>
public static class PublicCredentialEndpoints
{
    public const string JwkSetMediaType = "application/jwk-set+json";

    [EndpointSummary("The credential signing keys (JWKS)")]
    [WolverineGet("/.well-known/jwks.json", OperationId = "getCredentialKeys")]
    [AllowAnonymous]
    [ExcludeFromDescription]
    public static IResult Jwks(CredentialKeys keys) => Results.Text(keys.Jwks().ToJsonString(), JwkSetMediaType);

    [EndpointSummary("The issuer profile")]
    [WolverineGet("/credentials/issuer", OperationId = "getCredentialIssuer")]
    [AllowAnonymous]
    [ExcludeFromDescription]
    public static IResult Issuer(CredentialSettings settings) => Json(OpenBadge.Issuer(settings));

    [EndpointSummary("An achievement")]
    [WolverineGet("/credentials/achievements/{slug}", OperationId = "getAchievement")]
    [AllowAnonymous]
    [ExcludeFromDescription]
    public static async Task<IResult> Achievement(string slug, IQuerySession session, CredentialSettings settings, CancellationToken ct)
    {
        var definition = (await session.LoadAsync<AchievementRecord>(slug, ct))?.Definition
                         ?? Enum.GetValues<CareerLevel>().Select(AchievementDefinition.Level).FirstOrDefault(a => a.Id == slug);
        return definition is null
            ? Results.Problem(Problems.NotFound($"No achievement '{slug}' has been issued."))
            : Json(OpenBadge.Achievement(definition, settings, withContext: true));
    }

    [EndpointSummary("A revocation status list")]
    [EndpointDescription("A BitstringStatusListCredential as a compact JWS, signed with the credentials' keys.")]
    [WolverineGet("/credentials/status/{list}", OperationId = "getStatusList")]
    [AllowAnonymous]
    [ExcludeFromDescription]
    public static async Task<IResult> StatusList(string list, IQuerySession session, SignedStatusLists lists, TimeProvider clock,
        HttpRequest request, HttpResponse response, CancellationToken ct)
    {
        if (!int.TryParse(list, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
            || number < 1 || await StatusLists.Revoked(session, number, ct) is not { } revoked)
            return Results.Problem(Problems.NotFound($"No status list '{list}'."));
        var signed = lists.For(number, revoked, clock.GetUtcNow());
        // A revocation shows at once: a verifier may keep a copy but must ask again (a 304 while it is current).
        response.Headers.CacheControl = "no-cache";
        response.Headers.ETag = signed.ETag;
        return request.GetTypedHeaders().IfNoneMatch.Any(t => t.Tag == signed.ETag || t.Equals(EntityTagHeaderValue.Any))
            ? Results.StatusCode(StatusCodes.Status304NotModified)
            : Results.Text(signed.Jws, VcJwt.MediaType);
    }

    [EndpointSummary("Download a credential as a compact JWS")]
    [WolverineGet("/credentials/{credentialId}.jwt", OperationId = "downloadCredential")]
    [AllowAnonymous]
    [ExcludeFromDescription]
    public static async Task<IResult> Download(string credentialId, IQuerySession session, CancellationToken ct)
    {
        if (!Guid.TryParse(credentialId, out var id) || await session.LoadAsync<CredentialToken>(id, ct) is not { } token) return Missing(credentialId);
        return Results.File(System.Text.Encoding.ASCII.GetBytes(token.Jws), VcJwt.MediaType, $"pmoledger-credential-{id}.jwt");
    }

    [EndpointSummary("A credential: its page, its JSON or its JWS")]
    [EndpointDescription("Anyone with the link. HTML by default (the badge, achievement, issuer, dates and a live verification); Accept: application/json gives the credential JSON, Accept: application/vc+jwt the compact JWS.")]
    [WolverineGet("/credentials/{credentialId}", OperationId = "getCredential")]
    [AllowAnonymous]
    [ExcludeFromDescription]
    public static async Task<IResult> Show(string credentialId, HttpRequest request, IQuerySession session, CredentialVerifier verifier,
        CredentialSettings settings, TimeProvider clock, CancellationToken ct)
    {
        if (!Guid.TryParse(credentialId, out var id) || await session.LoadAsync<IssuedCredential>(id, ct) is not { } issued) return Missing(credentialId);
        var token = await session.LoadAsync<CredentialToken>(id, ct);
        var accept = request.Headers.Accept.ToString();
        if (accept.Contains(VcJwt.MediaType, StringComparison.OrdinalIgnoreCase))
            return token is null ? Erased(id) : Results.Text(token.Jws, VcJwt.MediaType);
        if (accept.Contains("application/json", StringComparison.OrdinalIgnoreCase) || accept.Contains("application/ld+json", StringComparison.OrdinalIgnoreCase))
            return token is null ? Erased(id) : Json(CredentialVerifier.WithoutClaims(VcJwt.PayloadOf(token.Jws)!));

        var verification = token is null ? null : await verifier.VerifyAsync(token.Jws, session, clock.GetUtcNow(), ct);
        var achievement = (await session.LoadAsync<AchievementRecord>(issued.AchievementId, ct))?.Definition;
        return Results.Content(CredentialPage.Render(issued, achievement, verification, settings, clock.Today()), "text/html; charset=utf-8");
    }

    private static IResult Json(JsonObject json) => Results.Text(json.ToJsonString(), "application/json");

    private static IResult Missing(string credentialId) => Results.Problem(Problems.NotFound($"No credential '{credentialId}'."));

    private static IResult Erased(Guid id) => Results.Problem(new ProblemDetails
    {
        Status = StatusCodes.Status410Gone, Title = "Gone",
        Detail = $"Credential {id} was revoked and its holder's personal data erased; only its revoked status remains."
    });
}

/// <summary>The credential's public page: what it is, who issued it, its dates, and the verification done just now.</summary>
public static class CredentialPage
{
    public static string Render(IssuedCredential issued, AchievementDefinition? achievement, Verification? verification, CredentialSettings settings, DateOnly today)
    {
        static string E(string? text) => HtmlEncoder.Default.Encode(text ?? "");
        var status = issued.StatusOn(today);
        var verdict = verification is { Verified: true }
            ? """<p class="verified" data-verified="true"><strong>Verified</strong>: the signature, issuer, dates, status and schema all check out.</p>"""
            : $"""<p class="not-verified" data-verified="false"><strong>Not verified</strong>: {E(status == "revoked" ? $"revoked on {issued.RevokedOn:yyyy-MM-dd}" : status == "expired" ? $"expired on {issued.ValidUntil:yyyy-MM-dd}" : "a check failed")}.</p>""";
        var checks = verification is null ? "" : string.Join("", new (string, bool)[]
        {
            ("signature", verification.Checks.Signature), ("issuer", verification.Checks.Issuer), ("dates", verification.Checks.Dates),
            ("status", verification.Checks.Status), ("schema", verification.Checks.Schema)
        }.Select(c => $"<li>{c.Item1}: {(c.Item2 ? "passed" : "failed")}</li>"));
        var links = verification is null ? "" :
            $"""<p><a href="/credentials/{issued.Id}.jwt" download>Download the signed credential (.jwt)</a> · <a href="/.well-known/jwks.json">Issuer's public keys</a></p>""";
        return $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{E(issued.Name)} · PmoLedger credential</title><link rel="stylesheet" href="/web/site.css"></head>
            <body><header class="site"><a class="brand" href="/">PmoLedger</a></header>
            <main id="main" class="page credential">
            <h1><img src="/web/icon.svg" alt="" width="48" height="48"> {E(issued.Name)}</h1>
            {verdict}
            <dl>
            <dt>Status</dt><dd data-status="{status}">{status}</dd>
            <dt>Achievement</dt><dd><a href="{E(settings.AchievementUrl(issued.AchievementId))}">{E(achievement?.Name ?? issued.Name)}</a>{(achievement is null ? "" : $"<br>{E(achievement.Description)}<br><small>{E(achievement.Criteria)}</small>")}</dd>
            <dt>Issuer</dt><dd><a href="{E(settings.IssuerId)}">{E(settings.IssuerName)}</a></dd>
            <dt>Valid from</dt><dd>{issued.ValidFrom:yyyy-MM-dd}</dd>
            <dt>Valid until</dt><dd>{(issued.ValidUntil is { } until ? until.ToString("yyyy-MM-dd") : "no end date")}</dd>
            <dt>Credential id</dt><dd><code>urn:uuid:{issued.Id}</code></dd>
            </dl>
            <h2>Verification</h2><ul class="checks">{checks}</ul>
            {links}
            </main></body></html>
            """;
    }
}
