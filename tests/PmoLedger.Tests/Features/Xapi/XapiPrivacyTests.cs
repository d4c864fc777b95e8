using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Marten;
using PmoLedger.Features.Xapi;
using PmoLedger.Tests.Features.Privacy;

namespace PmoLedger.Tests.Features.Xapi;

/// <summary>The actor of a statement is personal data (privacy.md): sealed at rest, matched by keyed hash, erasable.</summary>
public class XapiPrivacyTests(AppFixture fixture) : XapiContext(fixture)
{
    private const string Email = "grace.hopper.xapi@example.org";
    private static readonly string Sha = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes("mailto:" + Email)));

    private async Task<List<Guid>> Statements(Lrs lrs, object agent)
    {
        var page = await (await AsLms(lrs, s => s.Get.Url("/xapi/statements?agent=" + Uri.EscapeDataString(JsonSerializer.Serialize(agent))))).Json();
        return page.GetProperty("statements").EnumerateArray().Select(s => Guid.Parse(s.Str("id"))).ToList();
    }

    private async Task<JsonElement> Read(Lrs lrs, Guid id) =>
        await (await AsLms(lrs, s => { s.Get.Url($"/xapi/statements?statementId={id}"); s.StatusCodeShouldBe(200); })).Json();

    [Fact]
    public async Task actors_are_sealed_at_rest_under_the_practitioners_key_or_their_identitys_and_agents_are_indexed_as_keyed_hashes()
    {
        var lrs = await ConnectLms();
        var before = await Send(lrs, Statement(Mbox(Email)));
        var grace = await RegisterPractitioner("Grace Hopper", Email);
        var mapped = await Send(lrs, Statement(Mbox(Email)));
        var again = await Send(lrs, Statement(Mbox("unknown.xapi@example.org"), verb: Experienced));
        var thirdOfKind = await Send(lrs, Statement(Mbox("unknown.xapi@example.org"), verb: Experienced));

        await using var session = Store.QuerySession();
        var rows = (await session.LoadManyAsync<XapiStatement>(before, mapped, again, thirdOfKind)).ToDictionary(r => r.Id);
        rows[mapped].ActorKeyId.ShouldBe(grace);
        rows[before].ActorKeyId.ShouldNotBe(grace);
        rows[again].ActorKeyId.ShouldBe(rows[thirdOfKind].ActorKeyId);   // one key per actor identity
        rows[before].Actor.Text.ShouldContain(Email);

        var dump = await PersonalDataTests.PgDump("--data-only", "--table=ledger.mt_events", "--table=ledger.mt_doc_xapistatement",
            "--table=ledger.mt_doc_practitionermboxhash", "--table=ledger.mt_doc_xapiactorkey");
        dump.ShouldContain(mapped.ToString());
        foreach (var clear in new[] { Email, "unknown.xapi@example.org", Sha }) dump.ShouldNotContain(clear);

        (await Statements(lrs, Mbox(Email))).ShouldBe([mapped, before], ignoreOrder: true);
        (await Statements(lrs, new { mbox_sha1sum = Sha })).ShouldBeEmpty();
    }

    [Fact]
    public async Task an_erasure_makes_every_statement_naming_the_person_unreadable_and_unmatched_and_deletes_their_documents()
    {
        var lrs = await ConnectLms();
        var early = await Send(lrs, Statement(Mbox(Email)));
        var earlyBySha = await Send(lrs, Statement(new { mbox_sha1sum = Sha }, verb: Experienced));
        var grace = await RegisterPractitioner("Grace Hopper", Email);
        var mapped = await Send(lrs, Statement(Mbox(Email)));
        var other = await Send(lrs, Statement(Mbox("someone.else.xapi@example.org")));
        const string activity = "https://lms.example.org/courses/p3o-foundation";
        var agent = JsonSerializer.Serialize(Mbox(Email));
        var state = $"/xapi/activities/state?activityId={Uri.EscapeDataString(activity)}&agent={Uri.EscapeDataString(agent)}&stateId=bookmark";
        await AsLms(lrs, s =>
        {
            s.Put.Json(new { page = 7 }).ToUrl("/xapi/activities/state").QueryString("activityId", activity).QueryString("agent", agent).QueryString("stateId", "bookmark");
            s.StatusCodeShouldBe(204);
        });
        await AsLms(lrs, s => { s.Get.Url(state); s.StatusCodeShouldBe(200); });
        (await Statements(lrs, Mbox(Email))).ShouldBe([mapped, early], ignoreOrder: true);
        (await Statements(lrs, new { mbox_sha1sum = Sha })).ShouldBe([earlyBySha]);

        await As(AdminToken, s => { s.Post.Json(new { reason = "Subject's request" }).ToUrl($"/api/practitioners/{grace}/erase"); s.StatusCodeShouldBe(204); });

        (await Statements(lrs, Mbox(Email))).ShouldBeEmpty();
        (await Statements(lrs, new { mbox_sha1sum = Sha })).ShouldBeEmpty();
        foreach (var id in new[] { early, earlyBySha, mapped })
        {
            var actor = (await Read(lrs, id)).GetProperty("actor");
            actor.Str("name").ShouldBe("[erased]");
            actor.TryGetProperty("mbox", out _).ShouldBeFalse();
        }
        (await Read(lrs, other)).GetProperty("actor").Str("mbox").ShouldBe("mailto:someone.else.xapi@example.org");
        await AsLms(lrs, s => { s.Get.Url(state); s.StatusCodeShouldBe(404); });

        var export = await (await As(AuditorToken, s => s.Get.Url("/api/audit/events?limit=10000"))).ReadAsTextAsync();
        export.ShouldContain(mapped.ToString());
        export.ShouldContain("[erased]");
        foreach (var clear in new[] { Email, Sha }) export.ShouldNotContain(clear);
        var dump = await PersonalDataTests.PgDump();
        foreach (var clear in new[] { Email, Sha }) dump.ShouldNotContain(clear);
    }
}
