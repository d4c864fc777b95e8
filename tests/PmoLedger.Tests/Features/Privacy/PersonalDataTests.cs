using System.Diagnostics;
using System.Text.Json;
using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using PmoLedger.Features.Practitioners;
using PmoLedger.Infrastructure;
using PmoLedger.Tests.Features.Audit;

namespace PmoLedger.Tests.Features.Privacy;

/// <summary>docs/privacy.md on the real routes and the real database: sealed events, export, erasure.</summary>
public class PersonalDataTests(AppFixture fixture) : AuditContext(fixture)
{
    private readonly AppFixture _fixture = fixture;
    private readonly string _tag = Guid.NewGuid().ToString("N")[..10];

    private string Name => $"Zephyrine Quillfeather {_tag}";
    private string Email => $"zephyrine.{_tag}@example.org";
    private string Reflection => $"Reflection {_tag}: chairing the portfolio board taught me to say no";
    private string CertificateNumber => $"CERT-{_tag}";
    private string GoalText => $"Goal {_tag}: lead the benefits review";

    /// <summary>A practitioner with personal data in every kind of event that holds some.</summary>
    private async Task<Guid> PersonWithHistory()
    {
        var id = await RegisterPractitioner(Name, Email);
        await As(PractitionerToken(id), s =>
        {
            s.Post.Json(new { category = "professional-experience", points = 2, title = $"Board {_tag}", reflection = Reflection,
                occurredOn = Clock.Today.AddDays(-3), evidenceUrl = $"https://evidence.example.org/{_tag}" })
                .ToUrl($"/api/practitioners/{id}/cpd");
            s.StatusCodeShouldBe(201);
        });
        await As(AdminToken, s =>
        {
            s.Post.Json(new { code = "P3O-F", name = "P3O Foundation", awardedOn = Clock.Today.AddMonths(-2), certificateNumber = CertificateNumber })
                .ToUrl($"/api/practitioners/{id}/certifications");
            s.StatusCodeShouldBe(201);
        });
        await As(PractitionerToken(id), s =>
        {
            s.Post.Json(new { dimension = "experience", description = GoalText, targetDate = Clock.Today.AddMonths(6) })
                .ToUrl($"/api/practitioners/{id}/goals");
            s.StatusCodeShouldBe(201);
        });
        return id;
    }

    private string[] PersonalValues => [Name, Email, Reflection, CertificateNumber, GoalText];

    private Task Erase(Guid id, string? token = null, int status = 204) => As(token ?? AdminToken, s =>
    {
        s.Post.Json(new { reason = "Subject's request, ticket 4711" }).ToUrl($"/api/practitioners/{id}/erase");
        s.StatusCodeShouldBe(status);
    });

    /// <summary>A plain-text pg_dump of the test database (the same tool and format an operator would use).</summary>
    internal static async Task<string> PgDump(params string[] options)
    {
        var db = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable("PMOLEDGER_TEST_CONNECTION") ?? AppFixture.DefaultConnection);
        var tool = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "pg_dump")).Where(File.Exists)
                .OrderBy(p => p).LastOrDefault() ?? "pg_dump"
            : "pg_dump";
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
            Environment = { ["PGPASSWORD"] = db.Password }
        };
        foreach (var arg in new[] { "-h", db.Host!, "-p", db.Port.ToString(), "-U", db.Username!, "-d", db.Database! }.Concat(options))
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.ShouldBe(0, await error);
        return await output;
    }

    [Fact]
    public async Task event_rows_hold_no_personal_data_and_after_erasure_the_database_holds_none_anywhere()
    {
        var id = await PersonWithHistory();

        var events = await PgDump("--data-only", "--table=ledger.mt_events");
        events.ShouldContain(id.ToString());
        events.ShouldContain("ciphertext");
        foreach (var value in PersonalValues) events.ShouldNotContain(value);

        // The read models do hold plain text: the dump would show a leak if there were one.
        var whole = await PgDump();
        whole.ShouldContain(Name);
        whole.ShouldContain(GoalText);

        await Erase(id);

        var after = await PgDump();
        after.ShouldContain(id.ToString());
        foreach (var value in PersonalValues) after.ShouldNotContain(value);
    }

    [Fact]
    public async Task the_export_before_erasure_holds_every_event_of_the_stream_decrypted_as_an_attachment()
    {
        var id = await PersonWithHistory();

        var result = await As(PractitionerToken(id), s =>
        {
            s.Get.Url($"/api/practitioners/{id}/export");
            s.StatusCodeShouldBe(200);
            s.ContentTypeShouldBe("application/json; charset=utf-8");
        });
        result.Context.Response.Headers.ContentDisposition.ToString().ShouldBe($"attachment; filename=\"pmoledger-{id}.json\"");
        var export = await result.Json();

        export.Str("practitionerId").ShouldBe(id.ToString());
        export.GetProperty("profile").Str("fullName").ShouldBe(Name);
        export.GetProperty("profile").Str("email").ShouldBe(Email);
        export.GetProperty("timeline").GetProperty("entries").GetArrayLength().ShouldBeGreaterThan(0);
        export.GetProperty("cpd").ValueKind.ShouldBe(JsonValueKind.Object);
        export.GetProperty("plan").GetProperty("goals")[0].Str("description").ShouldBe(GoalText);

        var events = export.GetProperty("events").EnumerateArray().ToList();
        events.Count.ShouldBe(await EventCountFor(id));
        events.Select(e => e.GetProperty("version").GetInt64()).ShouldBe(Enumerable.Range(1, events.Count).Select(v => (long)v));
        events.ShouldAllBe(e => e.GetProperty("recordedAt").GetString() != null && e.GetProperty("type").GetString() != null);
        var data = string.Join("\n", events.Select(e => e.GetProperty("data").GetRawText()));
        foreach (var value in PersonalValues) data.ShouldContain(value);
        data.ShouldNotContain("ciphertext");
    }

    [Fact]
    public async Task only_the_practitioner_and_admins_may_export_and_an_unknown_id_is_404()
    {
        var id = await PersonWithHistory();
        var other = await RegisterPractitioner("Other Person");

        foreach (var token in new[] { AdminToken, PractitionerToken(id) })
            await As(token, s => { s.Get.Url($"/api/practitioners/{id}/export"); s.StatusCodeShouldBe(200); });
        foreach (var token in new[] { PractitionerToken(other), AuditorToken })
            await As(token, s =>
            {
                s.Get.Url($"/api/practitioners/{id}/export");
                s.StatusCodeShouldBe(403);
                s.ContentTypeShouldBe("application/problem+json");
            });
        await As(AdminToken, s => { s.Get.Url($"/api/practitioners/{Guid.NewGuid()}/export"); s.StatusCodeShouldBe(404); });
    }

    [Fact]
    public async Task erasure_keeps_the_chain_verified_and_the_projections_drift_free_and_the_past_reads_erased()
    {
        var id = await PersonWithHistory();
        var bystander = await RegisterPractitioner("Bystander Person");
        var beforeErasure = Clock.GetUtcNow();
        Clock.Offset += TimeSpan.FromSeconds(1);

        await Erase(id);

        await WaitForChain();
        var integrity = await Audit("/api/audit/integrity");
        integrity.GetProperty("verified").GetBoolean().ShouldBeTrue();
        integrity.GetProperty("eventsChecked").GetInt64().ShouldBe(await EventCount());

        var verification = await As(AuditorToken, s => { s.Post.Url("/api/audit/projections/verify"); s.StatusCodeShouldBe(200); });
        (await verification.Json()).GetProperty("drifted").GetArrayLength().ShouldBe(0);

        var past = await Audit($"/api/audit/practitioners/{id}/profile?asOf={Uri.EscapeDataString(beforeErasure.ToString("O"))}");
        past.Str("fullName").ShouldBe("[erased]");
        past.Str("email").ShouldBe("[erased]");

        var history = (await Audit($"/api/audit/practitioners/{id}/events")).GetRawText();
        history.ShouldContain("[erased]");
        history.ShouldContain("personal_data_erased");
        foreach (var value in PersonalValues) history.ShouldNotContain(value);

        var profile = await Get<JsonElement>($"/api/practitioners/{id}");
        profile.Str("fullName").ShouldBe("[erased]");
        profile.GetProperty("email").ValueKind.ShouldBe(JsonValueKind.Null);
        profile.GetProperty("certifications")[0].Str("certificateNumber").ShouldBe("[erased]");
        profile.GetProperty("certifications")[0].Str("code").ShouldBe("P3O-F");
        var reads = string.Join("\n", [
            profile.GetRawText(),
            (await Get<JsonElement>($"/api/practitioners/{id}/timeline")).GetRawText(),
            (await Get<JsonElement>($"/api/practitioners/{id}/cpd")).GetRawText(),
            (await Get<JsonElement>($"/api/practitioners/{id}/plan")).GetRawText()]);
        foreach (var value in PersonalValues) reads.ShouldNotContain(value);
        reads.ShouldContain("[erased]");

        // Points, dates and statuses stay, so the CPD ledger still adds up.
        (await Get<JsonElement>($"/api/practitioners/{id}/cpd")).GetRawText().ShouldContain("\"points\":2");

        (await Get<JsonElement>($"/api/practitioners/{bystander}")).Str("fullName").ShouldBe("Bystander Person");
    }

    [Fact]
    public async Task after_erasure_the_email_is_not_found_and_may_register_again()
    {
        var id = await RegisterPractitioner(Name, Email);
        await As(AdminToken, s => { s.Get.Url($"/api/practitioners?email={Uri.EscapeDataString(Email.ToUpperInvariant())}"); s.StatusCodeShouldBe(200); });

        await Erase(id);

        await As(AdminToken, s => { s.Get.Url($"/api/practitioners?email={Uri.EscapeDataString(Email)}"); s.StatusCodeShouldBe(404); });
        var again = await RegisterPractitioner("Someone New", Email);
        again.ShouldNotBe(id);
        var found = await Get<JsonElement>($"/api/practitioners?email={Uri.EscapeDataString(Email)}");
        found.Str("id").ShouldBe(again.ToString());
    }

    [Fact]
    public async Task erasing_twice_records_one_erasure_and_auditors_list_it()
    {
        var id = await PersonWithHistory();
        await Erase(id);
        var events = await EventCountFor(id);

        await Erase(id);

        (await EventCountFor(id)).ShouldBe(events);
        var erasures = (await Audit("/api/audit/erasures")).EnumerateArray().ToList();
        erasures.Count.ShouldBe(1);
        erasures[0].Str("practitionerId").ShouldBe(id.ToString());
        erasures[0].GetProperty("erasedAt").GetDateTimeOffset().ShouldBe(Clock.GetUtcNow(), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task only_admins_erase_an_unknown_id_is_404_and_a_reason_is_required()
    {
        var id = await RegisterPractitioner(Name, Email);

        foreach (var token in new[] { PractitionerToken(id), AuditorToken })
            await Erase(id, token, 403);
        await Erase(Guid.NewGuid(), status: 404);
        await As(AdminToken, s =>
        {
            s.Post.Json(new { reason = " " }).ToUrl($"/api/practitioners/{id}/erase");
            s.StatusCodeShouldBe(400);
            s.ContentTypeShouldBe("application/problem+json");
        });
        await As(AuditorToken, s => { s.Get.Url("/api/audit/erasures"); s.StatusCodeShouldBe(200); });
        await As(AdminToken, s => { s.Get.Url("/api/audit/erasures"); s.StatusCodeShouldBe(403); });

        (await Get<JsonElement>($"/api/practitioners/{id}")).Str("fullName").ShouldBe(Name);
    }

    [Fact]
    public async Task nothing_personal_can_be_recorded_for_an_erased_practitioner()
    {
        var id = await RegisterPractitioner(Name, Email);
        await Erase(id);
        var events = await EventCountFor(id);

        await As(PractitionerToken(id), s =>
        {
            s.Post.Json(new { dimension = "experience", description = GoalText, targetDate = Clock.Today.AddMonths(6) })
                .ToUrl($"/api/practitioners/{id}/goals");
            s.StatusCodeShouldBe(409);
            s.ContentTypeShouldBe("application/problem+json");
        });
        (await EventCountFor(id)).ShouldBe(events);
    }

    [Fact]
    public async Task a_practitioner_whose_key_is_gone_never_makes_a_projection_or_rebuild_fail()
    {
        var id = await PersonWithHistory();
        // As after restoring a database without that key: the key is simply not there.
        await Sql("delete from ledger.pmo_data_keys where id = $1", id);
        Keys.Forget(id);

        using (var daemon = await Store.BuildProjectionDaemonAsync())
        {
            await daemon.RebuildProjectionAsync<PractitionerProfileProjection>(TimeSpan.FromSeconds(30), CancellationToken.None);
            await daemon.RebuildProjectionAsync<TimelineProjection>(TimeSpan.FromSeconds(30), CancellationToken.None);
        }

        (await Get<JsonElement>($"/api/practitioners/{id}")).Str("fullName").ShouldBe("[erased]");
        (await Audit($"/api/audit/practitioners/{id}/timeline?asOf={Uri.EscapeDataString(Clock.GetUtcNow().ToString("O"))}"))
            .GetRawText().ShouldContain("[erased]");
        var verification = await As(AuditorToken, s => { s.Post.Url("/api/audit/projections/verify"); s.StatusCodeShouldBe(200); });
        (await verification.Json()).GetProperty("checked").GetInt32().ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task another_nodes_erasure_is_honoured_here_once_the_cached_key_expires()
    {
        var id = await RegisterPractitioner(Name, Email);
        var settings = PrivacySettings.From(Host.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>(),
            Host.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostEnvironment>()) with { KeyCacheLifetime = TimeSpan.Zero };
        using var node = new KeyRing(settings, Environment.GetEnvironmentVariable("PMOLEDGER_TEST_CONNECTION") ?? AppFixture.DefaultConnection);
        node.Find(id).ShouldNotBeNull();

        await Sql("delete from ledger.pmo_data_keys where id = $1", id);

        // Served once more while it is checked again in the background, then gone for good.
        node.Find(id).ShouldNotBeNull();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (node.Find(id) is not null) await Task.Delay(10, timeout.Token);
        node.Find(id).ShouldBeNull();
    }

    [Fact]
    public async Task the_email_lookup_table_holds_a_keyed_hash_not_the_address()
    {
        var id = await RegisterPractitioner(Name, Email);

        var ids = await Scalar<string>("select string_agg(id, ',') from ledger.mt_doc_practitioneremail");
        ids.ShouldNotContain("@");
        ids.ShouldBe(Keys.EmailLookupKey($"  {Email.ToUpperInvariant()} "));
        (await Get<JsonElement>($"/api/practitioners?email={Uri.EscapeDataString(Email)}")).Str("id").ShouldBe(id.ToString());
    }

    [Fact]
    public async Task request_logs_mask_the_email_asked_for_and_carry_no_name()
    {
        await RegisterPractitioner(Name, Email);
        await As(AdminToken, s => { s.Get.Url($"/api/practitioners?email={Uri.EscapeDataString(Email)}"); s.StatusCodeShouldBe(200); });

        await _fixture.Log.WaitFor("?email=***");
        var log = _fixture.Log.Text();
        log.ShouldNotContain(Email);
        log.ShouldNotContain(Name);
        _fixture.Log.Leaks().ShouldBeEmpty();
    }

    [Fact]
    public async Task the_wrong_master_key_is_refused_with_a_clear_message()
    {
        await RegisterPractitioner(Name, Email);
        var connection = Environment.GetEnvironmentVariable("PMOLEDGER_TEST_CONNECTION") ?? AppFixture.DefaultConnection;
        using var wrong = new KeyRing(new PrivacySettings(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), null, false,
            TimeSpan.FromMinutes(1)), connection);

        var error = Should.Throw<InvalidOperationException>(wrong.CheckMasterKey);
        error.Message.ShouldStartWith("Privacy:MasterKey does not open this database's keys");
    }

    [Fact]
    public async Task a_database_with_plaintext_registrations_is_detected_with_how_to_recreate_it()
    {
        var id = await RegisterPractitioner(Name, Email);
        await using var connection = await Connect();
        (await PrivacyStartupCheck.HoldsPlaintextAsync(connection, CancellationToken.None)).ShouldBeFalse();

        // What a registration looked like before encryption at rest.
        await Sql("update ledger.mt_events set data = jsonb_set(data, '{fullName}', '\"Old Plain\"') where stream_id = $1 and version = 1", id);

        (await PrivacyStartupCheck.HoldsPlaintextAsync(connection, CancellationToken.None)).ShouldBeTrue();
        var message = PrivacyStartupCheck.PlaintextMessage(connection.ConnectionString);
        message.ShouldContain($"drop database \"{connection.Database}\"");
        message.ShouldNotContain("\n");
    }
}
