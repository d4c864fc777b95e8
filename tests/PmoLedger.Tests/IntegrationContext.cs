using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using PmoLedger.Features.Practitioners;
using PmoLedger.Infrastructure;
using Wolverine.Runtime;

namespace PmoLedger.Tests;

/// <summary>Base for scenario tests: a clean ledger and a reset clock before every test.</summary>
[Collection(nameof(LedgerCollection))]
public abstract class IntegrationContext(AppFixture fixture) : IAsyncLifetime
{
    protected IAlbaHost Host => fixture.Host;
    protected TestClock Clock => fixture.Clock;
    protected LogCapture Logs => fixture.Logs;
    protected IDocumentStore Store => Host.Services.GetRequiredService<IDocumentStore>();
    protected KeyRing Keys => Host.Services.GetRequiredService<KeyRing>();

    /// <summary>The mail the service wrote to <paramref name="address"/> in this run's pickup folder, oldest first.</summary>
    protected List<MimeKit.MimeMessage> MailsTo(string address) => !Directory.Exists(fixture.MailDirectory) ? [] :
        Directory.GetFiles(fixture.MailDirectory, "*.eml").Order().Select(path => MimeKit.MimeMessage.Load(path))
            .Where(m => m.To.Mailboxes.Any(b => string.Equals(b.Address, address, StringComparison.OrdinalIgnoreCase))).ToList();

    public virtual async Task InitializeAsync()
    {
        Clock.Offset = TimeSpan.Zero;
        await Host.ClearAllWolverineStorageAsync();
        await Host.ResetAllMartenDataAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    protected string AdminToken => fixture.Token(Roles.Admin, name: "admin@test");
    protected string AuditorToken => fixture.Token(Roles.Auditor, name: "auditor@test");
    protected string PractitionerToken(Guid id) => fixture.Token(Roles.Practitioner, id);

    /// <summary>Runs a scenario with a bearer token.</summary>
    protected Task<IScenarioResult> As(string token, Action<Scenario> configure) => Host.Scenario(s =>
    {
        s.WithBearerToken(token);
        configure(s);
    });

    protected async Task<Guid> RegisterPractitioner(string fullName = "Ada Lovelace", string? email = null)
    {
        email ??= $"{Guid.NewGuid():N}@example.org";
        var result = await As(AdminToken, s =>
        {
            s.Post.Json(new { fullName, email }).ToUrl("/api/practitioners");
            s.StatusCodeShouldBe(201);
        });
        return (await result.ReadAsJsonAsync<IdResponse>())!.Id;
    }

    protected Task ChangeRole(Guid id, string family, DateOnly startedOn, bool concurrent = false, string? specialism = null,
        string title = "PMO role", string employmentType = "permanent") =>
        As(AdminToken, s =>
        {
            s.Post.Json(new
            {
                title, roleFamily = family, specialism, employmentType, organisation = "Acme", industry = "Technology",
                officeType = "programme", startedOn, concurrent
            }).ToUrl($"/api/practitioners/{id}/roles");
            s.StatusCodeShouldBe(204);
        });

    protected async Task<T> Get<T>(string url, string? token = null)
    {
        var result = await As(token ?? AdminToken, s => s.Get.Url(url));
        return (await result.ReadAsJsonAsync<T>())!;
    }

    /// <summary>Events recorded, leaving out the tombstones Marten writes for rolled-back appends.</summary>
    protected async Task<int> EventCount()
    {
        await using var session = Store.QuerySession();
        return await session.Events.QueryAllRawEvents().Where(e => e.EventTypeName != "tombstone").CountAsync();
    }

    protected async Task<int> EventCountFor(Guid streamId)
    {
        await using var session = Store.QuerySession();
        return (await session.Events.FetchStreamAsync(streamId)).Count;
    }

    protected sealed record IdResponse(Guid Id);
}
