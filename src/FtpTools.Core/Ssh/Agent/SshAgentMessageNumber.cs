namespace FtpTools.Core.Ssh.Agent;

/// <summary>SSH agent message numbers, spec names kept (draft-miller-ssh-agent §5.1).</summary>
internal enum SshAgentMessageNumber : byte
{
    SSH_AGENT_FAILURE = 5,
    SSH_AGENT_SUCCESS = 6,
    SSH_AGENTC_REQUEST_IDENTITIES = 11,
    SSH_AGENT_IDENTITIES_ANSWER = 12,
    SSH_AGENTC_SIGN_REQUEST = 13,
    SSH_AGENT_SIGN_RESPONSE = 14,
}

/// <summary>Signature flags of SSH_AGENTC_SIGN_REQUEST (draft-miller-ssh-agent §5.5.1).</summary>
internal enum SshAgentSignFlags : uint
{
    None = 0,
    SSH_AGENT_RSA_SHA2_256 = 2,
    SSH_AGENT_RSA_SHA2_512 = 4,
}
