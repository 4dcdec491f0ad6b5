// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title NodeRegistry
/// @notice Registry of PhalaWorker confidential-compute nodes and of the result batches they publish.
/// @dev Roles: an operator (the account that sends registerNode) runs a node; the node is the address of the key
///      generated inside the TEE. The node proves it holds its key by signing an EIP-712 message over every field it
///      claims, bound to the operator, the chain and this contract. Heartbeats and batches are sent either by the node
///      itself or by its operator carrying the node's signature, so a node key without ETH still works.
///      All signed messages share the EIP-712 domain {name "PhalaWorker", version "1", chainId, verifyingContract = this},
///      the same domain as the JobReceipt a node signs for each result.
contract NodeRegistry {
    /// @notice What a node claims when it registers; all digests are keccak256 unless stated.
    struct Registration {
        address node;
        bytes32 hpkePublicKey;
        string endpoint;
        uint8 teeType;
        bytes32 quoteHash;
        bytes32 mrtdHash;
        bytes32 rtmrDigest;
        bytes32 reportDataHash;
    }

    /// @notice A node as stored. lastHeartbeat is the issuedAt of the last heartbeat (0 before the first).
    struct Node {
        address operator;
        uint8 teeType;
        bool active;
        uint64 registeredAt;
        uint64 lastHeartbeat;
        uint64 batchCount;
        bytes32 hpkePublicKey;
        bytes32 quoteHash;
        bytes32 mrtdHash;
        bytes32 rtmrDigest;
        bytes32 reportDataHash;
        bytes32 attestationDigest;
        string endpoint;
    }

    /// @notice A posted result batch: Merkle root of receipt digests (sorted-pair keccak tree) and leaf count.
    struct Batch {
        bytes32 root;
        uint32 count;
        uint64 postedAt;
    }

    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant NAME_HASH = keccak256("PhalaWorker");
    bytes32 private constant VERSION_HASH = keccak256("1");
    bytes32 public constant REGISTRATION_TYPEHASH = keccak256(
        "NodeRegistration(address node,address operator,bytes32 hpkePublicKey,string endpoint,uint8 teeType,bytes32 quoteHash,bytes32 mrtdHash,bytes32 rtmrDigest,bytes32 reportDataHash,uint256 nonce)"
    );
    bytes32 public constant HEARTBEAT_TYPEHASH =
        keccak256("NodeHeartbeat(address node,bytes32 attestationDigest,uint64 issuedAt)");
    bytes32 public constant BATCH_TYPEHASH =
        keccak256("ResultBatch(address node,uint256 batchIndex,bytes32 root,uint32 count)");
    bytes32 public constant RECEIPT_TYPEHASH = keccak256(
        "JobReceipt(bytes32 jobId,bytes32 modelHash,bytes32 inputHash,bytes32 outputHash,bytes32 quoteHash,uint64 finishedAt,string backend)"
    );

    /// @notice Longest endpoint accepted, in bytes.
    uint256 public constant MAX_ENDPOINT_LENGTH = 256;
    /// @notice How far in the future (seconds, by block time) a heartbeat's issuedAt may lie.
    uint64 public constant MAX_CLOCK_SKEW = 300;
    /// @notice Largest number of receipts in one batch.
    uint32 public constant MAX_BATCH_SIZE = 1 << 20;

    // secp256k1n / 2: signatures with a larger s are malleable copies and are refused.
    uint256 private constant HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    uint256 private immutable _cachedChainId;
    bytes32 private immutable _cachedDomainSeparator;

    mapping(address node => Node) private _nodes;
    mapping(address node => Batch[]) private _batches;
    /// @notice Registration nonce of each node; the next registration must be signed with this value.
    mapping(address node => uint256) public registrationNonce;
    address[] private _nodeList;

    event NodeRegistered(
        address indexed node,
        address indexed operator,
        bytes32 hpkePublicKey,
        string endpoint,
        uint8 teeType,
        bytes32 quoteHash,
        bytes32 mrtdHash,
        bytes32 rtmrDigest,
        bytes32 reportDataHash
    );
    event NodeHeartbeat(address indexed node, bytes32 attestationDigest, uint64 issuedAt);
    event NodeDeregistered(address indexed node, address indexed by);
    event BatchPosted(address indexed node, uint256 indexed batchIndex, bytes32 root, uint32 count);

    error ZeroAddress();
    error EmptyEndpoint();
    error EndpointTooLong(uint256 length);
    error NodeAlreadyActive(address node);
    error NodeNotActive(address node);
    error NotOperatorOrNode(address caller, address node);
    error InvalidSignature();
    error WrongSigner(address expected, address recovered);
    error StaleHeartbeat(uint64 issuedAt, uint64 lastHeartbeat);
    error HeartbeatFromFuture(uint64 issuedAt, uint256 blockTime);
    error InvalidBatchSize(uint32 count);
    error EmptyRoot();
    error BatchNotFound(address node, uint256 batchIndex);

    constructor() {
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = _buildDomainSeparator();
    }

    // ---------------------------------------------------------------- state changes

    /// @notice Registers (or re-registers after deregistration) a node operated by msg.sender.
    /// @param r the node's claims.
    /// @param nodeSignature 65-byte r‖s‖v (v = 27/28) by r.node over the EIP-712 NodeRegistration digest
    ///        (see registrationDigest) with operator = msg.sender and nonce = registrationNonce(r.node).
    function registerNode(Registration calldata r, bytes calldata nodeSignature) external {
        if (r.node == address(0)) revert ZeroAddress();
        uint256 endpointLength = bytes(r.endpoint).length;
        if (endpointLength == 0) revert EmptyEndpoint();
        if (endpointLength > MAX_ENDPOINT_LENGTH) revert EndpointTooLong(endpointLength);
        Node storage n = _nodes[r.node];
        if (n.active) revert NodeAlreadyActive(r.node);

        uint256 nonce = registrationNonce[r.node];
        _requireSigner(registrationDigest(r, msg.sender, nonce), nodeSignature, r.node);
        registrationNonce[r.node] = nonce + 1;

        if (n.registeredAt == 0) _nodeList.push(r.node);
        n.operator = msg.sender;
        n.teeType = r.teeType;
        n.active = true;
        n.registeredAt = uint64(block.timestamp);
        n.lastHeartbeat = 0;
        n.hpkePublicKey = r.hpkePublicKey;
        n.quoteHash = r.quoteHash;
        n.mrtdHash = r.mrtdHash;
        n.rtmrDigest = r.rtmrDigest;
        n.reportDataHash = r.reportDataHash;
        n.attestationDigest = r.quoteHash;
        n.endpoint = r.endpoint;

        emit NodeRegistered(
            r.node, msg.sender, r.hpkePublicKey, r.endpoint, r.teeType, r.quoteHash, r.mrtdHash, r.rtmrDigest,
            r.reportDataHash
        );
    }

    /// @notice Records that an active node is alive with a fresh attestation (digest of its latest quote/evidence).
    /// @dev Sent by the node (signature may be empty) or by its operator with the node's signature over
    ///      NodeHeartbeat(node, attestationDigest, issuedAt). issuedAt must increase, so a heartbeat cannot be replayed.
    function heartbeat(address node, bytes32 attestationDigest, uint64 issuedAt, bytes calldata nodeSignature)
        external
    {
        Node storage n = _activeNodeFor(node);
        if (msg.sender != node) {
            _requireSigner(heartbeatDigest(node, attestationDigest, issuedAt), nodeSignature, node);
        }
        if (issuedAt <= n.lastHeartbeat) revert StaleHeartbeat(issuedAt, n.lastHeartbeat);
        if (issuedAt > block.timestamp + MAX_CLOCK_SKEW) revert HeartbeatFromFuture(issuedAt, block.timestamp);
        n.lastHeartbeat = issuedAt;
        n.attestationDigest = attestationDigest;
        emit NodeHeartbeat(node, attestationDigest, issuedAt);
    }

    /// @notice Deactivates a node; callable by its operator or by the node itself.
    function deregister(address node) external {
        Node storage n = _nodes[node];
        if (!n.active) revert NodeNotActive(node);
        if (msg.sender != node && msg.sender != n.operator) revert NotOperatorOrNode(msg.sender, node);
        n.active = false;
        emit NodeDeregistered(node, msg.sender);
    }

    /// @notice Publishes a batch of result receipts as the Merkle root of their EIP-712 digests.
    /// @dev Sent by the node (signature may be empty) or by its operator with the node's signature over
    ///      ResultBatch(node, batchIndex, root, count) where batchIndex is the index this batch will get
    ///      (= batchCount before the call), which also makes the signature single-use.
    /// @return batchIndex the per-node index of the new batch.
    function postBatch(address node, bytes32 root, uint32 count, bytes calldata nodeSignature)
        external
        returns (uint256 batchIndex)
    {
        Node storage n = _activeNodeFor(node);
        if (count == 0 || count > MAX_BATCH_SIZE) revert InvalidBatchSize(count);
        if (root == bytes32(0)) revert EmptyRoot();
        batchIndex = n.batchCount;
        if (msg.sender != node) {
            _requireSigner(batchDigest(node, batchIndex, root, count), nodeSignature, node);
        }
        n.batchCount = uint64(batchIndex + 1);
        _batches[node].push(Batch({root: root, count: count, postedAt: uint64(block.timestamp)}));
        emit BatchPosted(node, batchIndex, root, count);
    }

    // ---------------------------------------------------------------- views

    /// @notice True when `receiptDigest` is a leaf of the node's batch `batchIndex` (sorted-pair keccak proof)
    ///         and `signature` is the node's signature over it. Reverts with BatchNotFound for an unknown batch.
    function verifyReceipt(
        address node,
        uint256 batchIndex,
        bytes32 receiptDigest,
        bytes32[] calldata proof,
        bytes calldata signature
    ) external view returns (bool) {
        Batch[] storage list = _batches[node];
        if (batchIndex >= list.length) revert BatchNotFound(node, batchIndex);
        if (processProof(proof, receiptDigest) != list[batchIndex].root) return false;
        return _recover(receiptDigest, signature) == node;
    }

    /// @notice Root obtained by folding `proof` into `leaf` with sorted pairs (keccak256(min ‖ max)).
    function processProof(bytes32[] calldata proof, bytes32 leaf) public pure returns (bytes32 computed) {
        computed = leaf;
        for (uint256 i = 0; i < proof.length; ++i) {
            bytes32 sibling = proof[i];
            computed = computed < sibling ? _hashPair(computed, sibling) : _hashPair(sibling, computed);
        }
    }

    function getNode(address node) external view returns (Node memory) {
        return _nodes[node];
    }

    function isActive(address node) external view returns (bool) {
        return _nodes[node].active;
    }

    /// @notice Number of distinct node addresses ever registered (deregistered ones included).
    function nodeCount() external view returns (uint256) {
        return _nodeList.length;
    }

    /// @notice Registered node addresses in registration order, `limit` from `offset` (shorter at the end).
    function listNodes(uint256 offset, uint256 limit) external view returns (address[] memory page) {
        uint256 total = _nodeList.length;
        if (offset >= total) return new address[](0);
        uint256 end = total - offset < limit ? total : offset + limit;
        page = new address[](end - offset);
        for (uint256 i = offset; i < end; ++i) {
            page[i - offset] = _nodeList[i];
        }
    }

    function batchCount(address node) external view returns (uint256) {
        return _batches[node].length;
    }

    function getBatch(address node, uint256 batchIndex) external view returns (Batch memory) {
        Batch[] storage list = _batches[node];
        if (batchIndex >= list.length) revert BatchNotFound(node, batchIndex);
        return list[batchIndex];
    }

    function domainSeparator() public view returns (bytes32) {
        return block.chainid == _cachedChainId ? _cachedDomainSeparator : _buildDomainSeparator();
    }

    function registrationDigest(Registration calldata r, address operator, uint256 nonce)
        public
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(
            abi.encode(
                REGISTRATION_TYPEHASH,
                r.node,
                operator,
                r.hpkePublicKey,
                keccak256(bytes(r.endpoint)),
                r.teeType,
                r.quoteHash,
                r.mrtdHash,
                r.rtmrDigest,
                r.reportDataHash,
                nonce
            )
        );
        return _typedDataHash(structHash);
    }

    function heartbeatDigest(address node, bytes32 attestationDigest, uint64 issuedAt) public view returns (bytes32) {
        return _typedDataHash(keccak256(abi.encode(HEARTBEAT_TYPEHASH, node, attestationDigest, issuedAt)));
    }

    function batchDigest(address node, uint256 batchIndex, bytes32 root, uint32 count) public view returns (bytes32) {
        return _typedDataHash(keccak256(abi.encode(BATCH_TYPEHASH, node, batchIndex, root, count)));
    }

    /// @notice EIP-712 digest of a JobReceipt (the Merkle leaf); lets clients cross-check their own encoder.
    function hashReceipt(
        bytes32 jobId,
        bytes32 modelHash,
        bytes32 inputHash,
        bytes32 outputHash,
        bytes32 quoteHash,
        uint64 finishedAt,
        string calldata backend
    ) external view returns (bytes32) {
        return _typedDataHash(
            keccak256(
                abi.encode(
                    RECEIPT_TYPEHASH,
                    jobId,
                    modelHash,
                    inputHash,
                    outputHash,
                    quoteHash,
                    finishedAt,
                    keccak256(bytes(backend))
                )
            )
        );
    }

    // ---------------------------------------------------------------- internals

    function _activeNodeFor(address node) private view returns (Node storage n) {
        n = _nodes[node];
        if (!n.active) revert NodeNotActive(node);
        if (msg.sender != node && msg.sender != n.operator) revert NotOperatorOrNode(msg.sender, node);
    }

    function _requireSigner(bytes32 digest, bytes calldata signature, address expected) private pure {
        address recovered = _recover(digest, signature);
        if (recovered == address(0)) revert InvalidSignature();
        if (recovered != expected) revert WrongSigner(expected, recovered);
    }

    /// @dev ecrecover over a 65-byte r‖s‖v signature; address(0) for any malformed or malleable signature.
    function _recover(bytes32 digest, bytes calldata signature) private pure returns (address) {
        if (signature.length != 65) return address(0);
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            r := calldataload(signature.offset)
            s := calldataload(add(signature.offset, 32))
            v := byte(0, calldataload(add(signature.offset, 64)))
        }
        if (uint256(s) > HALF_ORDER || (v != 27 && v != 28)) return address(0);
        return ecrecover(digest, v, r, s);
    }

    function _hashPair(bytes32 a, bytes32 b) private pure returns (bytes32 value) {
        assembly ("memory-safe") {
            mstore(0x00, a)
            mstore(0x20, b)
            value := keccak256(0x00, 0x40)
        }
    }

    function _typedDataHash(bytes32 structHash) private view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));
    }

    function _buildDomainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }
}
