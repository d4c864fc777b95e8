using PmoLedger.Features.Plan;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Certifications;
using PmoLedger.Features.Practitioners;
using PmoLedger.Features.Providers;
using JasperFx;
using JasperFx.CommandLine;

namespace PmoLedger.Features.Demo;

/// <summary>
/// A small, realistic data set: providers and practitioners whose careers run from entry level
/// to directing. It goes through the same decisions as the API, so it obeys the same rules.
/// </summary>
public static class DemoData
{
    private sealed record Step(string Title, string Family, string? Specialism, string Employment, string Organisation,
        string Industry, string Office, int YearsAgo, int MonthsAgo = 0, bool Concurrent = false);

    private static readonly (string Name, string Email, Step[] Career)[] Practitioners =
    [
        ("Priya Shah", "priya.shah@example.org",
        [
            new("PMO Administrator", "administrator", null, "permanent", "Northgate Health NHS Trust", "Health (NHS)", "project", 12),
            new("PMO Analyst", "analyst", null, "permanent", "Northgate Health NHS Trust", "Health (NHS)", "programme", 9),
            new("PMO Manager", "manager", null, "permanent", "Castlefield Energy", "Energy", "portfolio", 6),
            new("Head of Portfolio Office", "director", null, "permanent", "Castlefield Energy", "Energy", "portfolio", 2)
        ]),
        ("Tom Okafor", "tom.okafor@example.org",
        [
            new("Project Support Officer", "administrator", null, "contract", "Brightwave Digital", "Technology", "project", 3),
            new("Planning Analyst", "specialist", "planning", "permanent", "Brightwave Digital", "Technology", "programme", 1, 6)
        ]),
        ("Alex Morgan", "alex.morgan@example.org",
        [
            new("PMO Analyst", "analyst", null, "permanent", "Harbour Bank", "Financial services", "programme", 1),
            new("Benefits Realisation Lead", "specialist", "benefits-realisation", "part-time", "Civic Trust", "Charity", "centre-of-excellence", 0, 4, Concurrent: true)
        ])
    ];

    /// <summary>
    /// Loads the data set into an empty ledger. With a running service (scopes given) the future career
    /// steps are scheduled as durable messages in the same transactions, as the API would.
    /// </summary>
    public static async Task<bool> SeedIfEmptyAsync(IDocumentStore store, KeyRing keys, IServiceScopeFactory? scopes, TimeProvider clock, CancellationToken ct)
    {
        await using (var query = store.QuerySession())
        {
            if (await query.Query<PractitionerProfile>().AnyAsync(ct)) return false;
        }

        var today = clock.Today();
        var seed = new Seeding(store, scopes, ct);

        var providers = new Dictionary<string, Guid>();
        await seed.Unit((session, _) =>
        {
            foreach (var name in new[] { "Axelos Learning Partners", "PMO Academy" })
            {
                var providerId = providers[name] = Guid.CreateVersion7();
                var (_, key) = ProviderApiKey.Issue(providerId, name);
                session.Store(key);
                session.Insert(new ProviderName { Id = ProviderName.Key(name), ProviderId = providerId });
                session.Events.StartStream<Provider>(providerId, new ProviderRegistered(providerId, name),
                    new ProviderKeyIssued(providerId, key.Id, []));
            }
            return Task.CompletedTask;
        });

        var ids = new Dictionary<string, Guid>();
        foreach (var (name, email, career) in Practitioners)
        {
            var id = ids[name] = Guid.CreateVersion7();
            await seed.Unit((session, _) =>
            {
                session.Insert(new PractitionerEmail { Id = keys.EmailLookupKey(email), PractitionerId = id });
                keys.Store(session, id);
                session.Events.StartStream<Practitioner>(id, new PractitionerRegistered(id, PersonalText.Of(id, name), PersonalText.Of(id, email), today));
                return Task.CompletedTask;
            });

            foreach (var step in career)
            {
                await seed.Unit(async (session, outbox) =>
                {
                    var stream = await session.Events.FetchForWriting<Practitioner>(id, ct);
                    var started = new RoleStarted(Guid.CreateVersion7(), step.Title, Parse<RoleFamily>(step.Family),
                        step.Specialism is null ? null : Parse<Specialism>(step.Specialism), Parse<EmploymentType>(step.Employment),
                        step.Organisation, step.Industry, Parse<OfficeType>(step.Office),
                        today.AddYears(-step.YearsAgo).AddMonths(-step.MonthsAgo), step.Concurrent);
                    stream.AppendMany(ChangeRoleEndpoint.Decide(stream.Aggregate!, started, today, out var reassessOn));
                    if (outbox is not null) await outbox.ScheduleAll(Career.Reassessment(id, reassessOn, clock.GetUtcNow()));
                });
            }
        }
        await SeedProgressionAsync(seed, clock, ids, providers, ct);
        return true;
    }

    /// <summary>
    /// Learning on top of the careers: a certification with CPD for the director, provider completions,
    /// and a development goal. Each goes through the decision the matching route uses.
    /// </summary>
    private static async Task SeedProgressionAsync(Seeding seed, TimeProvider clock,
        Dictionary<string, Guid> ids, Dictionary<string, Guid> providers, CancellationToken ct)
    {
        var today = clock.Today();

        Task Record(Guid practitionerId, Func<Practitioner, IReadOnlyList<object>> decide) => seed.Unit(async (session, outbox) =>
        {
            var stream = await session.Events.FetchForWriting<Practitioner>(practitionerId, ct);
            var events = decide(stream.Aggregate!);
            stream.AppendMany(events);
            if (outbox is not null) await outbox.ScheduleAll(CertificationRules.Expiries(practitionerId, events, clock.GetUtcNow()));
        });

        Task Complete(Guid practitionerId, string reference, string code, string title, DateOnly on, decimal points) => seed.Unit(async (session, outbox) =>
        {
            var poster = new Poster(providers["PMO Academy"], "PMO Academy", "demo-seed");
            var completion = new Completion(reference, code, title, on, TrainingOutcome.Passed, 0.8m, points, null);
            var stream = await session.Events.FetchForWriting<Practitioner>(practitionerId, ct);
            var record = (CompletionDecision.Record)CompletionDecision.Decide(completion, practitionerId, stream.Aggregate, null, poster,
                Guid.CreateVersion7(), clock.GetUtcNow());
            session.Insert(record.Receipt);
            stream.AppendMany(record.Events);
            if (outbox is not null) await outbox.ScheduleAll(record.Messages);
        });

        var priya = ids["Priya Shah"];
        var awardedOn = today.AddMonths(-20);
        await Record(priya, p => AwardCertificationEndpoint.Decide(p, new AwardCertification("P3O-P", "P3O Practitioner", awardedOn, "P3O-P-104233"),
            Guid.CreateVersion7(), providers["Axelos Learning Partners"], today));
        await Complete(priya, "PA-2025-0117", "PMO-ADV", "Advanced portfolio office design", awardedOn.AddMonths(2), 14);
        foreach (var (category, points, title, monthsAfter) in new[]
                 {
                     (CpdCategory.ProfessionalExperience, 6m, "Set up a benefits realisation review board", 4),
                     (CpdCategory.Community, 2.5m, "Spoke at the regional PMO community meetup", 7)
                 })
        {
            await Record(priya, p =>
            {
                var logged = new CpdActivityLogged(Guid.CreateVersion7(), category, points, PersonalText.Of(priya, title),
                    PersonalText.Of(priya, "What worked, what I would change, and what the team asked for next time."), awardedOn.AddMonths(monthsAfter), null);
                return [logged, .. CertificationRules.After(p, [logged], today)];
            });
        }

        await Complete(ids["Tom Okafor"], "PA-2025-0342", "PLAN-101", "Planning and scheduling fundamentals", today.AddMonths(-8), 7);

        var alex = ids["Alex Morgan"];
        await Record(alex, _ =>
        [
            new GoalSet(Guid.CreateVersion7(), DevelopmentDimension.FormalTraining, PersonalText.Of(alex, "Pass the P3O Foundation exam"),
                null, CareerLevel.Working, today.AddMonths(9), today)
        ]);
    }

    /// <summary>
    /// One transaction per step, each with its own session and outbox: a Wolverine outbox flushes once,
    /// so messages scheduled through it after its first commit would be dropped.
    /// </summary>
    private sealed class Seeding(IDocumentStore store, IServiceScopeFactory? scopes, CancellationToken ct)
    {
        public async Task Unit(Func<IDocumentSession, IMartenOutbox?, Task> work)
        {
            using var scope = scopes?.CreateScope();
            var outbox = scope?.ServiceProvider.GetRequiredService<IMartenOutbox>();
            await using var session = store.LightweightSession();
            session.LastModifiedBy = "demo-seed";
            outbox?.Enroll(session);
            await work(session, outbox);
            await session.SaveChangesAsync(ct);
        }
    }

    private static T Parse<T>(string wire) where T : struct, Enum =>
        WireNames.TryParse<T>(wire, out var value) ? value : throw new ArgumentException(wire);
}

/// <summary>In Development, the first start on an empty database loads the demo data (Demo:SeedOnStart).</summary>
public sealed class DemoDataOnFirstStart(IDocumentStore store, KeyRing keys, IServiceScopeFactory scopes, TimeProvider clock,
    IConfiguration configuration, ILogger<DemoDataOnFirstStart> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        if (!configuration.GetValue("Demo:SeedOnStart", false)) return;
        if (await DemoData.SeedIfEmptyAsync(store, keys, scopes, clock, ct)) logger.LogInformation("Loaded the demo data into an empty ledger");
        else logger.LogInformation("Demo data not loaded: the ledger already holds practitioners, and demo data only goes into an empty one");
    }
}

[Description("Loads the demo data set into an empty ledger", Name = "seed-demo")]
public sealed class SeedDemoCommand : JasperFxAsyncCommand<NetCoreInput>
{
    public override async Task<bool> Execute(NetCoreInput input)
    {
        using var host = input.BuildHost();
        var store = host.Services.GetRequiredService<IDocumentStore>();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        // The service is not running here, so no messages can be scheduled: the first start of the
        // service in Development seeds with them, and is the better way to get the demo data.
        var seeded = await DemoData.SeedIfEmptyAsync(store, host.Services.GetRequiredService<KeyRing>(), null, host.Services.GetRequiredService<TimeProvider>(), CancellationToken.None);
        CommandOutput.Result.WriteLine(seeded
            ? "Demo data loaded (without the scheduled two-year career step of the newest analyst; the service's first start in Development seeds with it)."
            : "The ledger already holds data; nothing was loaded.");
        return true;
    }
}
