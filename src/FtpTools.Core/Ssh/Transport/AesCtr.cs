using System;
using System.Security.Cryptography;

namespace FtpTools.Core.Ssh.Transport;

/// <summary>
/// AES in counter mode (RFC 4344 §4): the keystream is AES-ECB over a 128-bit big-endian counter that
/// starts at the IV and increments per block across packets. Counter blocks are encrypted in bulk through
/// one reusable ECB transform (the platform's AES, hardware accelerated where the CPU has it), so a
/// packet costs no allocation. SSH packets under CTR are whole blocks, so no partial block is ever kept.
/// </summary>
internal sealed class AesCtr : IDisposable
{
    private const int BlockSize = 16;

    // Counter and keystream scratch, owned by this instance for its lifetime.
    private const int ChunkBlocks = 256;
    private readonly byte[] _counter = new byte[BlockSize];
    private readonly byte[] _counterBlocks = new byte[ChunkBlocks * BlockSize];
    private readonly byte[] _keystream = new byte[ChunkBlocks * BlockSize];
    private readonly Aes _aes;
    private readonly ICryptoTransform _ecb;

    public AesCtr(byte[] key, byte[] iv)
    {
        if (iv.Length < BlockSize)
        {
            throw new ArgumentException("AES-CTR needs a 16-byte IV.", nameof(iv));
        }

        Buffer.BlockCopy(iv, 0, _counter, 0, BlockSize);
        _aes = Aes.Create();
        _aes.Key = key;
#pragma warning disable CA5358 // ECB is the block primitive under our own counter mode, never used on data directly.
        _aes.Mode = CipherMode.ECB;
#pragma warning restore CA5358
        _aes.Padding = PaddingMode.None;
        _ecb = _aes.CreateEncryptor();
    }

    /// <summary>XORs the next keystream bytes into buffer[offset..offset+count); count is a multiple of 16.</summary>
    public void Transform(byte[] buffer, int offset, int count)
    {
        if (count % BlockSize != 0)
        {
            throw new ArgumentException("AES-CTR in SSH works on whole blocks.", nameof(count));
        }

        while (count > 0)
        {
            var chunk = Math.Min(count, _counterBlocks.Length);
            for (var position = 0; position < chunk; position += BlockSize)
            {
                Buffer.BlockCopy(_counter, 0, _counterBlocks, position, BlockSize);
                Increment();
            }

            _ecb.TransformBlock(_counterBlocks, 0, chunk, _keystream, 0);
            SshCrypto.Xor(buffer.AsSpan(offset, chunk), _keystream.AsSpan(0, chunk));
            offset += chunk;
            count -= chunk;
        }
    }

    public void Dispose()
    {
        _ecb.Dispose();
        _aes.Dispose();
        SshCrypto.Clear(_counter);
        SshCrypto.Clear(_keystream);
    }

    private void Increment()
    {
        for (var i = BlockSize - 1; i >= 0; i--)
        {
            if (++_counter[i] != 0)
            {
                break;
            }
        }
    }
}
