using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using PmoLedger.Features.Certifications;
using PmoLedger.Features.Credentials;
using PmoLedger.Features.Practitioners;
using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Credentials;

/// <summary>The settlement rule and the keys as plain functions: no host, no database.</summary>
public class CredentialRulesTests
{
    private static readonly DateOnly Today = new(2026, 6, 1);
    private static readonly Guid Id = Guid.NewGuid();

    private static Practitioner Registered() =>
        Practitioner.Fold(null, new PractitionerRegistered(Id, PersonalText.Of(Id, "Ada"), PersonalText.Of(Id, "Ada@Example.org"), Today.AddYears(-4)))!;

    private static CertificationAwarded Award(Guid certificationId, DateOnly on) =>
        new(certificationId, "P3O-F", "P3O Foundation", on, PersonalText.Of(Id, "N-1"), on.AddYears(3), "axelos-2024", null);

    private static IReadOnlyList<Issuance> Fresh(int count) =>
        Enumerable.Range(0, count).Select(i => new Issuance(Guid.NewGuid(), Guid.NewGuid(), new StatusSlot(1, i), $"salt{i}", "kid")).ToList();

    [Fact]
    public void an_award_and_a_career_level_call_for_one_credential_each_and_settling_twice_issues_nothing_more()
    {
        var certificationId = Guid.NewGuid();
        var state = Registered().Then([Award(certificationId, Today.AddMonths(-1)), new CareerLevelReached(CareerLevel.Working, null, Today.AddDays(-3))]);

        var events = CredentialRules.Settle(state, Today, Fresh(5));
        var issued = events.OfType<CredentialIssued>().ToList();
        issued.Select(e => e.AchievementId).Order().ShouldBe(["career-level-working", "certification-p3o-f"]);
        issued.Single(e => e.AchievementId == "certification-p3o-f").ValidUntil.ShouldBe(Today.AddMonths(-1).AddYears(3));
        issued.Single(e => e.AchievementId == "career-level-working").ValidUntil.ShouldBeNull();
        issued[0].IdentityHash.ShouldBe(CredentialRules.IdentityHash("ada@example.org", issued[0].Salt.Text));

        CredentialRules.Settle(state.Then(events), Today, Fresh(5)).ShouldBeEmpty();
    }

    [Fact]
    public void a_cycle_that_already_ended_is_not_issued_and_a_renewal_ahead_of_its_start_is_valid_from_today()
    {
        var state = Registered().Then([Award(Guid.NewGuid(), Today.AddYears(-4))]);
        CredentialRules.ToIssue(state, Today).ShouldBeEmpty();

        var certificationId = Guid.NewGuid();
        var renewing = Registered().Then([Award(certificationId, Today.AddYears(-2)),
            new CertificationRenewed(certificationId, "P3O-F", RenewalBasis.ExamPass, Today, Today.AddYears(1), Today.AddYears(4), "axelos-2024", null, false)]);
        CredentialRules.Settle(renewing, Today, Fresh(5)).OfType<CredentialIssued>().Select(e => (e.ValidFrom, e.ValidUntil)).Order()
            .ShouldBe([(Today.AddYears(-2), (DateOnly?)Today.AddYears(1)), (Today, (DateOnly?)Today.AddYears(4))]);
    }

    [Fact]
    public void revoking_the_award_or_erasing_the_person_revokes_with_a_reason_and_issues_nothing()
    {
        var certificationId = Guid.NewGuid();
        var held = Registered().Then([Award(certificationId, Today.AddMonths(-1))]);
        held = held.Then(CredentialRules.Settle(held, Today, Fresh(1)));

        var revoked = held.Then([new CertificationRevoked(certificationId, "P3O-F", "mistake", Today)]);
        CredentialRules.Settle(revoked, Today, Fresh(3)).ShouldHaveSingleItem()
            .ShouldBeOfType<CredentialRevoked>().Reason.ShouldBe(CredentialRules.Reasons.CertificationRevoked);

        var erased = held.Then([new PersonalDataErased("asked")]);
        CredentialRules.Settle(erased, Today, Fresh(3)).ShouldHaveSingleItem()
            .ShouldBeOfType<CredentialRevoked>().Reason.ShouldBe(CredentialRules.Reasons.Erased);
    }

    [Fact]
    public void settled_means_nothing_to_issue_or_revoke_and_an_expired_owed_credential_keeps_it_unsettled()
    {
        var certificationId = Guid.NewGuid();
        CredentialRules.Settled(Registered()).ShouldBeTrue();

        var awarded = Registered().Then([Award(certificationId, Today.AddMonths(-1))]);
        CredentialRules.Settled(awarded).ShouldBeFalse();
        var held = awarded.Then(CredentialRules.Settle(awarded, Today, Fresh(1)));
        CredentialRules.Settled(held).ShouldBeTrue();
        CredentialRules.Settled(held.Then([new CertificationRevoked(certificationId, "P3O-F", "mistake", Today)])).ShouldBeFalse();

        // Owed but expired: settling today issues nothing, yet the clock-free answer errs towards settling.
        var expired = Registered().Then([Award(Guid.NewGuid(), Today.AddYears(-4))]);
        CredentialRules.Settle(expired, Today, Fresh(1)).ShouldBeEmpty();
        CredentialRules.Settled(expired).ShouldBeFalse();
    }

    [Fact]
    public void a_cpd_cycle_that_is_no_longer_met_revokes_its_credential()
    {
        var certificationId = Guid.NewGuid();
        var start = Today.AddYears(-2).AddMonths(-6);
        var facts = new List<object> { Award(certificationId, start) };
        var completions = new List<Guid>();
        for (var year = 0; year < 3; year++)
        {
            facts.Add(new CpdActivityLogged(Guid.NewGuid(), CpdCategory.ProfessionalExperience, 5, PersonalText.Of(Id, "t"), PersonalText.Of(Id, "r"), start.AddYears(year).AddDays(5), null));
            var completion = new TrainingCompleted(Guid.NewGuid(), Guid.NewGuid(), "Academy", $"ref{year}", "C", "Course", start.AddYears(year).AddDays(6),
                TrainingOutcome.Completed, null, 15, null);
            completions.Add(completion.CompletionId);
            facts.Add(completion);
        }
        var met = Registered().Then(facts);
        met = met.Then(CredentialRules.Settle(met, Today, Fresh(3)));
        met.Credentials.ShouldContain(c => c.Basis == CredentialRules.CpdBasis(certificationId, start));

        var withdrawn = met.Then([new CompletionRevoked(completions[2], Guid.NewGuid(), "posted in error", Today)]);
        var revocation = CredentialRules.Settle(withdrawn, Today, Fresh(3)).ShouldHaveSingleItem().ShouldBeOfType<CredentialRevoked>();
        revocation.Reason.ShouldBe(CredentialRules.Reasons.NoLongerMet);
        revocation.CredentialId.ShouldBe(met.Credentials.Single(c => c.Basis == CredentialRules.CpdBasis(certificationId, start)).CredentialId);
    }

    [Fact]
    public void the_status_list_puts_the_first_index_in_the_high_bit_and_is_gzip_base64url_multibase()
    {
        var encoded = StatusLists.Encode([0, 9, 131_071]);
        encoded[0].ShouldBe('u');
        using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(System.Buffers.Text.Base64Url.DecodeFromChars(encoded.AsSpan(1))),
            System.IO.Compression.CompressionMode.Decompress);
        using var bits = new MemoryStream();
        gzip.CopyTo(bits);
        var bytes = bits.ToArray();
        bytes.Length.ShouldBe(131_072 / 8);
        bytes[0].ShouldBe((byte)0x80);
        bytes[1].ShouldBe((byte)0x40);
        bytes[^1].ShouldBe((byte)0x01);
        bytes.Count(b => b != 0).ShouldBe(3);
    }

    [Fact]
    public void a_credential_signed_before_a_rotation_still_verifies_with_the_jwks_after_it()
    {
        var old = SigningKey.Generate(2048);
        var next = SigningKey.Generate(2048);
        var oldPem = old.Rsa.ExportPkcs8PrivateKeyPem();
        var before = CredentialKeys.From(Config(("Credentials:SigningKey", oldPem)), Environment("Production"));
        var payload = new JsonObject { ["iss"] = "https://ledger.example/credentials/issuer", ["jti"] = "urn:uuid:1" };
        var signedBefore = VcJwt.Sign(payload, before.Signing);

        // The new key signs; the old one is published for verification only (as a public key here).
        var after = CredentialKeys.From(Config(("Credentials:SigningKey", next.Rsa.ExportPkcs8PrivateKeyPem()),
            ("Credentials:RetiredKeys:0", old.Rsa.ExportSubjectPublicKeyInfoPem())), Environment("Production"));
        after.Signing.KeyId.ShouldBe(next.KeyId);
        var jwks = after.Jwks().ToJsonString();
        jwks.ShouldNotContain("\"d\"");
        jwks.ShouldNotContain("\"p\"");

        CredentialContext.DecodeWithJose(signedBefore, jwks)["jti"]!.GetValue<string>().ShouldBe("urn:uuid:1");
        CredentialContext.DecodeWithJose(VcJwt.Sign(payload, after.Signing), jwks)["jti"]!.GetValue<string>().ShouldBe("urn:uuid:1");
        VcJwt.Read(signedBefore, after).SignatureValid.ShouldBeTrue();
        // Without the retired key published, the old credential no longer verifies.
        VcJwt.Read(signedBefore, new CredentialKeys(next, [])).SignatureValid.ShouldBeFalse();
    }

    [Fact]
    public void production_refuses_to_start_without_a_signing_key_or_with_a_weak_one()
    {
        Should.Throw<InvalidOperationException>(() => CredentialKeys.From(Config(), Environment("Production")))
            .Message.ShouldContain("Credentials:SigningKey is not configured");
        var weak = System.Security.Cryptography.RSA.Create(1024).ExportPkcs8PrivateKeyPem();
        Should.Throw<InvalidOperationException>(() => CredentialKeys.From(Config(("Credentials:SigningKey", weak)), Environment("Production")))
            .Message.ShouldContain("1024-bit");
        Should.Throw<InvalidOperationException>(() => CredentialKeys.From(Config(("Credentials:SigningKey", "/no/such/key.pem")), Environment("Production")))
            .Message.ShouldContain("/no/such/key.pem");
    }

    [Fact]
    public void development_creates_a_key_once_beside_the_local_data_and_reuses_it()
    {
        var file = Path.Combine(Path.GetTempPath(), $"pmoledger-test-{Guid.NewGuid():N}", "credential-signing-key.pem");
        var first = CredentialKeys.From(Config(("Credentials:DevelopmentKeyFile", file)), Environment("Development"));
        first.GeneratedNow.ShouldBeTrue();
        first.Signing.Rsa.KeySize.ShouldBeGreaterThanOrEqualTo(2048);
        var second = CredentialKeys.From(Config(("Credentials:DevelopmentKeyFile", file)), Environment("Development"));
        second.GeneratedNow.ShouldBeFalse();
        second.Signing.KeyId.ShouldBe(first.Signing.KeyId);
        Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
    }

    [Fact]
    public void the_service_embeds_the_same_official_schema_the_tests_check_against()
    {
        using var embedded = typeof(CredentialSchema).Assembly.GetManifestResourceStream("ob_v3p0_achievementcredential_schema.json")!;
        using var reader = new StreamReader(embedded);
        reader.ReadToEnd().ShouldBe(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Credentials", "schema", "ob_v3p0_achievementcredential_schema.json")));
    }

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static IHostEnvironment Environment(string name) => new Env { EnvironmentName = name };

    private sealed class Env : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "";
        public string ApplicationName { get; set; } = "PmoLedger";
        public string ContentRootPath { get; set; } = "";
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
