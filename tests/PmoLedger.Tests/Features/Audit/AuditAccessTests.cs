using Alba;
using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Features.Audit;

public class AuditAccessTests(AppFixture fixture) : AuditContext(fixture)
{
    private static readonly string[] AuditReads =
    [
        "/api/audit/practitioners/{0}/events",
        "/api/audit/practitioners/{0}/profile?effectiveOn=2025-01-01",
        "/api/audit/practitioners/{0}/timeline?asOf={1}",
        "/api/audit/events",
        "/api/audit/integrity"
    ];

    private async Task<(Guid Practitioner, string ProviderKey)> Someone()
    {
        var id = await RegisterPractitioner();
        var provider = await As(AdminToken, s =>
        {
            s.Post.Json(new { name = "PMO Academy" }).ToUrl("/api/providers");
            s.StatusCodeShouldBe(201);
        });
        return (id, (await provider.Json()).Str("apiKey"));
    }

    private async Task Expect(int status, Action<Scenario> credentials, Action<Scenario> request) =>
        await Host.Scenario(s =>
        {
            credentials(s);
            request(s);
            s.StatusCodeShouldBe(status);
        });

    [Fact]
    public async Task only_auditors_reach_the_audit_routes()
    {
        var (id, key) = await Someone();
        var others = new (string Who, Action<Scenario> Credentials)[]
        {
            ("admin", s => s.WithBearerToken(AdminToken)),
            ("the practitioner themselves", s => s.WithBearerToken(PractitionerToken(id))),
            ("a provider", s => s.WithRequestHeader("X-Api-Key", key))
        };

        foreach (var url in AuditReads.Select(u => string.Format(u, id, Uri.EscapeDataString(Clock.GetUtcNow().ToString("O")))))
        {
            await Expect(200, s => s.WithBearerToken(AuditorToken), s => s.Get.Url(url));
            await Expect(401, _ => { }, s => s.Get.Url(url));
            foreach (var (_, credentials) in others) await Expect(403, credentials, s => s.Get.Url(url));
        }

        await Expect(200, s => s.WithBearerToken(AuditorToken), s => s.Post.Url("/api/audit/projections/verify"));
        await Expect(401, _ => { }, s => s.Post.Url("/api/audit/projections/verify"));
        foreach (var (_, credentials) in others) await Expect(403, credentials, s => s.Post.Url("/api/audit/projections/verify"));
    }

    [Fact]
    public async Task auditors_write_nothing_in_the_domain()
    {
        var (id, _) = await Someone();
        var providerId = await Scalar<Guid>("select id from ledger.mt_streams where type = 'provider'");
        var before = await EventCount();

        var writes = new (string Url, object Body)[]
        {
            ("/api/practitioners", new { fullName = "Ghost", email = "ghost@example.org" }),
            ($"/api/practitioners/{id}/roles", new
            {
                title = "PMO Analyst", roleFamily = "analyst", employmentType = "permanent", organisation = "Acme",
                industry = "Technology", officeType = "programme", startedOn = Clock.Today.AddYears(-1)
            }),
            ($"/api/practitioners/{id}/roles/end", new { endedOn = Clock.Today }),
            ("/api/providers", new { name = "Shadow Academy" }),
            ($"/api/providers/{providerId}/keys", new { }),
            ($"/api/practitioners/{id}/completions", new
            {
                providerReference = "x", course = new { code = "C", title = "T" }, completedOn = Clock.Today, outcome = "passed", cpdPoints = 1
            }),
            ("/api/completions/batch", new { items = Array.Empty<object>() }),
            ($"/api/completions/{Guid.NewGuid()}/revoke", new { reason = "An auditor may not" }),
            ($"/api/practitioners/{id}/certifications", new { code = "P3O-F", name = "P3O Foundation", awardedOn = Clock.Today, certificateNumber = "A-1" }),
            ($"/api/practitioners/{id}/cpd", new
            {
                category = "community", points = 1, title = "Meetup", reflection = "Learned a great deal about portfolio offices.", occurredOn = Clock.Today
            }),
            ($"/api/practitioners/{id}/goals", new { dimension = "knowledge", description = "Learn P3O", targetDate = Clock.Today.AddYears(1) }),
            ($"/api/practitioners/{id}/goals/{Guid.NewGuid()}/achieve", new { evidence = new { kind = "role", id = Guid.NewGuid() } }),
            // Evidence for a CPD audit is the practitioner's to send, not the auditor's.
            ($"/api/practitioners/{id}/cpd-audits/{Guid.NewGuid()}/evidence", new { })
        };
        foreach (var (url, body) in writes)
            await Expect(403, s => s.WithBearerToken(AuditorToken), s => s.Post.Json(body).ToUrl(url));

        (await EventCount()).ShouldBe(before);
    }
}
