namespace PhalaWorker.Crypto.Hpke;

/// <summary>HPKE modes (RFC 9180 §5).</summary>
internal enum HpkeMode : byte
{
    Base = 0,
    Psk = 1,
    Auth = 2,
    AuthPsk = 3,
}
