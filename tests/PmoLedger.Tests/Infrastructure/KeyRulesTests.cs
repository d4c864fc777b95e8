using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Infrastructure;

/// <summary>The cryptography and the master-key rules, without a database.</summary>
public class KeyRulesTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) => StartupRulesTests.Config(values);

    private static byte[] ProductionKey()
    {
        while (true)
        {
            var key = RandomNumberGenerator.GetBytes(32);
            if (!PrivacySettings.IsDevelopmentKey(key)) return key;
        }
    }

    [Fact]
    public void sealing_uses_a_fresh_nonce_every_time_and_opens_only_with_the_same_key_and_label()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var text = "Reflection: what I learned"u8.ToArray();
        var (nonce1, sealed1) = Aead.Seal(key, text, "a"u8);
        var (nonce2, sealed2) = Aead.Seal(key, text, "a"u8);

        nonce1.ShouldNotBe(nonce2);
        sealed1.ShouldNotBe(sealed2);
        Encoding.UTF8.GetString(sealed1).ShouldNotContain("Reflection");
        Aead.Open(key, nonce1, sealed1, "a"u8).ShouldBe(text);
        Aead.Open(RandomNumberGenerator.GetBytes(32), nonce1, sealed1, "a"u8).ShouldBeNull();
        Aead.Open(key, nonce1, sealed1, "b"u8).ShouldBeNull();

        sealed1[0] ^= 1;
        Aead.Open(key, nonce1, sealed1, "a"u8).ShouldBeNull();
    }

    [Fact]
    public void a_wrapped_key_unwraps_with_its_master_key_only()
    {
        var master = RandomNumberGenerator.GetBytes(32);
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var blob = Aead.Wrap(master, dataKey, "row 1"u8);

        Aead.Unwrap(master, blob, "row 1"u8).ShouldBe(dataKey);
        Aead.Unwrap(RandomNumberGenerator.GetBytes(32), blob, "row 1"u8).ShouldBeNull();
        Aead.Unwrap(master, blob, "row 2"u8).ShouldBeNull();
    }

    [Fact]
    public void personal_text_is_a_plain_string_in_api_json()
    {
        var text = PersonalText.Of(Guid.NewGuid(), "Jo Bloggs");
        JsonSerializer.Serialize(new { fullName = text }).ShouldBe("""{"fullName":"Jo Bloggs"}""");
        string name = text;
        name.ShouldBe("Jo Bloggs");
        $"{text} joined".ShouldBe("Jo Bloggs joined");
        PersonalText.ErasedFor(Guid.NewGuid()).Erased.ShouldBeTrue();
        text.Erased.ShouldBeFalse();
    }

    [Fact]
    public void production_refuses_to_start_without_a_master_key()
    {
        var error = Should.Throw<InvalidOperationException>(() => PrivacySettings.From(Config(), new StartupRulesTests.Env("Production")));
        error.Message.ShouldContain("Privacy__MasterKey");
    }

    [Fact]
    public void production_refuses_a_development_key()
    {
        var development = Convert.ToBase64String(PrivacySettings.NewDevelopmentKey());
        var error = Should.Throw<InvalidOperationException>(() =>
            PrivacySettings.From(Config(("Privacy:MasterKey", development)), new StartupRulesTests.Env("Production")));
        error.Message.ShouldContain("development key");
    }

    [Theory]
    [InlineData("not base64!", "not base64")]
    [InlineData("c2hvcnQ=", "5 bytes")]
    public void a_malformed_master_key_is_refused_with_what_is_wrong(string configured, string expected)
    {
        var error = Should.Throw<InvalidOperationException>(() =>
            PrivacySettings.From(Config(("Privacy:MasterKey", configured)), new StartupRulesTests.Env("Production")));
        error.Message.ShouldContain(expected);
    }

    [Fact]
    public void a_configured_production_key_is_used()
    {
        var key = ProductionKey();
        PrivacySettings.From(Config(("Privacy:MasterKey", Convert.ToBase64String(key))), new StartupRulesTests.Env("Production")).MasterKey.ShouldBe(key);
    }

    [Fact]
    public void development_generates_a_marked_key_once_and_keeps_it_in_the_file()
    {
        var file = Path.Combine(Path.GetTempPath(), $"pmoledger-test-{Guid.NewGuid():N}", "master-key");
        try
        {
            var first = PrivacySettings.From(Config(("Privacy:DevelopmentKeyFile", file)), new StartupRulesTests.Env("Development"));
            var second = PrivacySettings.From(Config(("Privacy:DevelopmentKeyFile", file)), new StartupRulesTests.Env("Development"));

            first.GeneratedNow.ShouldBeTrue();
            second.GeneratedNow.ShouldBeFalse();
            second.MasterKey.ShouldBe(first.MasterKey);
            PrivacySettings.IsDevelopmentKey(first.MasterKey).ShouldBeTrue();
            File.ReadAllText(file).ShouldBe(Convert.ToBase64String(first.MasterKey));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    [Theory]
    [InlineData("?email=jo.bloggs%40example.org", "?email=***")]
    [InlineData("?q=bloggs&page=2", "?q=***&page=2")]
    [InlineData("?Email=jo@example.org&careerLevel=working", "?Email=***&careerLevel=working")]
    [InlineData("?asOf=2026-01-01T00:00:00Z", "?asOf=2026-01-01T00:00:00Z")]
    [InlineData("", "")]
    public void request_logs_mask_email_and_search_values(string query, string logged) =>
        LogRedaction.Redact(query).ShouldBe(logged);
}
