using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PmoLedger.Infrastructure;

/// <summary>
/// A piece of personal data inside an event, with the practitioner whose data key seals it. In memory it is
/// the plain text (or "[erased]" once the key is gone); in the event store it is only ever
/// <c>{keyId, nonce, ciphertext}</c> (<see cref="SealedTextConverter"/>). Everywhere else (API answers, audit
/// views, exports) it is written as a plain JSON string.
/// </summary>
[JsonConverter(typeof(PlainTextConverter))]
public sealed record PersonalText(Guid KeyId, string Text)
{
    public const string ErasedMarker = "[erased]";

    /// <summary>True when the key that sealed this text no longer exists.</summary>
    public bool Erased => Text == ErasedMarker;

    public static PersonalText Of(Guid practitionerId, string text) => new(practitionerId, text);

    public static PersonalText? OfOptional(Guid practitionerId, string? text) => text is null ? null : new(practitionerId, text);

    public static PersonalText ErasedFor(Guid keyId) => new(keyId, ErasedMarker);

    // Read models and decisions take the text as a string; the seal matters only on the way to storage.
    [return: NotNullIfNotNull(nameof(text))]
    public static implicit operator string?(PersonalText? text) => text?.Text;

    public override string ToString() => Text;

    private sealed class PlainTextConverter : JsonConverter<PersonalText>
    {
        public override PersonalText Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            new(Guid.Empty, reader.GetString() ?? "");

        public override void Write(Utf8JsonWriter writer, PersonalText value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.Text);
    }
}

/// <summary>Raised when personal data is to be sealed for a practitioner whose key was destroyed by an erasure.</summary>
public sealed class PersonalDataErasedException(Guid practitionerId)
    : InvalidOperationException($"The personal data of practitioner {practitionerId} was erased; nothing personal can be recorded for them.")
{
    public Guid PractitionerId { get; } = practitionerId;
}

/// <summary>
/// AES-256-GCM as used here: a fresh random 96-bit nonce for every value, the 128-bit tag appended to the
/// ciphertext, and associated data binding the ciphertext to what it belongs to (so a sealed value cannot
/// be moved to another practitioner's event or key row and still open).
/// </summary>
public static class Aead
{
    public const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static (byte[] Nonce, byte[] Ciphertext) Seal(byte[] key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associated)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        var output = new byte[plaintext.Length + TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length), associated);
        return (nonce, output);
    }

    /// <summary>The plaintext, or null when the key, nonce or associated data do not match (a wrong key included).</summary>
    public static byte[]? Open(byte[] key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> associated)
    {
        if (nonce.Length != NonceSize || ciphertext.Length < TagSize) return null;
        var plaintext = new byte[ciphertext.Length - TagSize];
        using var aes = new AesGcm(key, TagSize);
        try
        {
            aes.Decrypt(nonce, ciphertext[..plaintext.Length], ciphertext[plaintext.Length..], plaintext, associated);
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    /// <summary>One blob (nonce ‖ ciphertext ‖ tag), for keys stored in a bytea column.</summary>
    public static byte[] Wrap(byte[] key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associated)
    {
        var (nonce, ciphertext) = Seal(key, plaintext, associated);
        return [.. nonce, .. ciphertext];
    }

    public static byte[]? Unwrap(byte[] key, byte[] blob, ReadOnlySpan<byte> associated) =>
        blob.Length < NonceSize ? null : Open(key, blob.AsSpan(0, NonceSize), blob.AsSpan(NonceSize), associated);
}

/// <summary>
/// The event store's form of <see cref="PersonalText"/>: <c>{"keyId", "nonce", "ciphertext"}</c>, sealed under the
/// practitioner's data key when written and opened when read. A value whose key is gone reads as "[erased]",
/// never as a failure, so projections and rebuilds carry on. Registered for the event store's serializer only.
/// </summary>
public sealed class SealedTextConverter(KeyRing keys) : JsonConverter<PersonalText>
{
    public override PersonalText? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        // "[erased]" written by a document saved after an erasure (see Write).
        if (reader.TokenType == JsonTokenType.String) return PersonalText.ErasedFor(Guid.Empty);

        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        var keyId = root.GetProperty("keyId").GetGuid();
        var nonce = root.GetProperty("nonce").GetBytesFromBase64();
        var ciphertext = root.GetProperty("ciphertext").GetBytesFromBase64();
        var key = keys.Find(keyId);
        var plaintext = key is null ? null : Aead.Open(key, nonce, ciphertext, Associated(keyId));
        return plaintext is null ? PersonalText.ErasedFor(keyId) : new PersonalText(keyId, Encoding.UTF8.GetString(plaintext));
    }

    public override void Write(Utf8JsonWriter writer, PersonalText value, JsonSerializerOptions options)
    {
        if (value.Erased)
        {
            writer.WriteStringValue(PersonalText.ErasedMarker);
            return;
        }
        var key = keys.Find(value.KeyId) ?? throw new PersonalDataErasedException(value.KeyId);
        var (nonce, ciphertext) = Aead.Seal(key, Encoding.UTF8.GetBytes(value.Text), Associated(value.KeyId));
        writer.WriteStartObject();
        writer.WriteString("keyId", value.KeyId);
        writer.WriteBase64String("nonce", nonce);
        writer.WriteBase64String("ciphertext", ciphertext);
        writer.WriteEndObject();
    }

    private static byte[] Associated(Guid keyId) => keyId.ToByteArray();
}
