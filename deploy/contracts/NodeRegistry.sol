// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title NodeRegistry
/// @notice Registry of PhalaWorker confidential-compute nodes, of the TD measurements its owner accepts, and of the
///         result batches the nodes publish.
/// @dev Roles: the owner (the deployer) manages the measurement allow-list; an operator (the account that sends
///      registerNode) runs nodes; a node is the address of the key generated inside the TEE. The node proves it holds
///      its key by signing an EIP-712 message over every field it claims, bound to the operator, the chain and this
///      contract. Heartbeats and batches are sent either by the node itself or by its operator carrying the node's
///      signature, so a node key without ETH still works. All signed messages share the EIP-712 domain
///      {name "PhalaWorker", version "1", chainId, verifyingContract = this}, the domain of the JobReceipt too.
///      Merkle batches are domain separated: leaf = keccak256(0x00 ‖ receiptDigest), inner node =
///      keccak256(0x01 ‖ min(a,b) ‖ max(a,b)), an odd node at the end of a level is promoted unchanged.
contract NodeRegistry {
    /// @notice What a node claims when it registers; all digests are keccak256 unless stated. predecessor: the node
    ///         this one replaces (same operator; zero for none); registering retires it and links the two.
    struct Registration {
        address node;
        bytes32 hpkePublicKey;
        string endpoint;
        uint8 teeType;
        bytes32 quoteHash;
        bytes32 mrtdHash;
        bytes32 rtmrDigest;
        bytes32 reportDataHash;
        address predecessor;
    }

    /// @notice A node as stored. epoch: the registration it is in (= registrationNonce after it, 1 for the first);
    ///         lastHeartbeat: block time of the last heartbeat (0 before the first); heartbeatBlock: the recent block
    ///         that heartbeat's signature names; retired: left for good (no re-registration); successor: the node
    ///         that named this one as its predecessor.
    struct Node {
        address operator;
        uint8 teeType;
        bool active;
        bool retired;
        uint64 registeredAt;
        uint64 lastHeartbeat;
        uint64 heartbeatBlock;
        uint64 batchCount;
        uint64 epoch;
        address predecessor;
        uint64 retiredAt;
        address successor;
        bytes32 hpkePublicKey;
        bytes32 quoteHash;
        bytes32 mrtdHash;
        bytes32 rtmrDigest;
        bytes32 reportDataHash;
        bytes32 attestationDigest;
        string endpoint;
    }

    /// @notice A posted result batch: Merkle root over receipt digests (domain-separated tree) and leaf count.
    struct Batch {
        bytes32 root;
        uint32 count;
        uint64 postedAt;
    }

    /// @notice An accepted TD identity: MRTD and RTMR0-2 (48 bytes each), the agent binary digest RTMR3 must carry and
    ///         the settings RTMR3 must carry (names strictly ascending by bytes, values paired by index). name is a
    ///         label for people (not matched against a quote, but part of the profile id).
    struct MeasurementProfile {
        string name;
        bytes mrTd;
        bytes rtmr0;
        bytes rtmr1;
        bytes rtmr2;
        bytes32 agentDigest;
        string[] settingNames;
        string[] settingValues;
    }

    /// @notice The signed result of a job (EIP-712 JobReceipt).
    struct JobReceipt {
        bytes32 jobId;
        bytes32 modelHash;
        bytes32 inputHash;
        bytes32 outputHash;
        bytes32 quoteHash;
        uint64 finishedAt;
        string backend;
    }

    /// @notice Where a receipt was published: batch `batchIndex` of `batchNode`, and the sibling hashes leaf to root.
    struct Inclusion {
        address batchNode;
        uint256 batchIndex;
        bytes32[] proof;
    }

    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant NAME_HASH = keccak256("PhalaWorker");
    bytes32 private constant VERSION_HASH = keccak256("1");
    bytes32 public constant REGISTRATION_TYPEHASH = keccak256(
        "NodeRegistration(address node,address operator,bytes32 hpkePublicKey,string endpoint,uint8 teeType,bytes32 quoteHash,bytes32 mrtdHash,bytes32 rtmrDigest,bytes32 reportDataHash,address predecessor,uint256 nonce)"
    );
    bytes32 public constant HEARTBEAT_TYPEHASH = keccak256(
        "NodeHeartbeat(address node,uint64 epoch,bytes32 attestationDigest,uint64 blockNumber,bytes32 blockHash)"
    );
    bytes32 public constant BATCH_TYPEHASH =
        keccak256("ResultBatch(address node,uint256 batchIndex,bytes32 root,uint32 count)");
    bytes32 public constant RECEIPT_TYPEHASH = keccak256(
        "JobReceipt(bytes32 jobId,bytes32 modelHash,bytes32 inputHash,bytes32 outputHash,bytes32 quoteHash,uint64 finishedAt,string backend)"
    );

    /// @notice Longest endpoint accepted, in bytes.
    uint256 public constant MAX_ENDPOINT_LENGTH = 256;
    /// @notice Largest number of receipts in one batch.
    uint32 public constant MAX_BATCH_SIZE = 1 << 20;
    /// @notice How many blocks back a heartbeat's block may lie (the EVM's blockhash window).
    uint256 public constant HEARTBEAT_BLOCK_WINDOW = 256;
    /// @notice Most predecessor links verifyReceipt follows from a receipt's signer to the batch's node.
    uint256 public constant MAX_SUCCESSION_DEPTH = 16;
    /// @notice Most settings in one measurement profile, and the longest profile string (name, setting name or value).
    uint256 public constant MAX_PROFILE_SETTINGS = 64;
    uint256 public constant MAX_PROFILE_STRING_LENGTH = 256;

    // secp256k1n / 2: signatures with a larger s are malleable copies and are refused.
    uint256 private constant HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    uint256 private immutable _cachedChainId;
    bytes32 private immutable _cachedDomainSeparator;

    /// @notice The account that manages the measurement allow-list.
    address public owner;

    mapping(address node => Node) private _nodes;
    mapping(address node => Batch[]) private _batches;
    /// @notice Registration nonce of each node; the next registration must be signed with this value.
    mapping(address node => uint256) public registrationNonce;
    address[] private _nodeList;

    mapping(bytes32 profileId => MeasurementProfile) private _profiles;
    mapping(bytes32 profileId => uint256) private _profilePosition; // index in _allowedProfiles + 1; 0 = not allowed
    bytes32[] private _allowedProfiles;

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
    event NodeHeartbeat(address indexed node, uint64 epoch, bytes32 attestationDigest, uint64 blockNumber);
    event NodeDeregistered(address indexed node, address indexed by);
    event NodeRetired(address indexed node, address indexed by, address successor);
    event BatchPosted(address indexed node, uint256 indexed batchIndex, bytes32 root, uint32 count);
    event MeasurementsAllowed(bytes32 indexed profileId, string name);
    event MeasurementsRevoked(bytes32 indexed profileId);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error ZeroAddress();
    error EmptyEndpoint();
    error EndpointTooLong(uint256 length);
    error NodeAlreadyActive(address node);
    error NodeNotActive(address node);
    error NodeIsRetired(address node);
    error NotOperatorOrNode(address caller, address node);
    error InvalidSignature();
    error WrongSigner(address expected, address recovered);
    error WrongEpoch(uint64 epoch, uint64 current);
    error StaleHeartbeat(uint64 blockNumber, uint64 lastBlock);
    error UnknownBlock(uint64 blockNumber, bytes32 blockHash);
    error InvalidBatchSize(uint32 count);
    error EmptyRoot();
    error BatchNotFound(address node, uint256 batchIndex);
    error InvalidPredecessor(address predecessor, address node);
    error PredecessorNotOperated(address predecessor, address operator);
    error PredecessorHasSuccessor(address predecessor, address successor);
    error NotOwner(address caller);
    error InvalidMeasurement(string field);
    error MeasurementsAlreadyAllowed(bytes32 profileId);
    error MeasurementsNotAllowed(bytes32 profileId);

    constructor() {
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = _buildDomainSeparator();
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    // ---------------------------------------------------------------- nodes

    /// @notice Registers (or re-registers after deregistration) a node operated by msg.sender.
    /// @param r the node's claims; a non-zero r.predecessor (operated by msg.sender, without a successor yet) is
    ///        retired and linked to r.node, so receipts it signed can be posted in r.node's batches.
    /// @param nodeSignature 65-byte r‖s‖v (v = 27/28) by r.node over the EIP-712 NodeRegistration digest
    ///        (see registrationDigest) with operator = msg.sender and nonce = registrationNonce(r.node).
    function registerNode(Registration calldata r, bytes calldata nodeSignature) external {
        if (r.node == address(0)) revert ZeroAddress();
        if (bytes(r.endpoint).length == 0) revert EmptyEndpoint();
        if (bytes(r.endpoint).length > MAX_ENDPOINT_LENGTH) revert EndpointTooLong(bytes(r.endpoint).length);
        Node storage n = _nodes[r.node];
        if (n.active) revert NodeAlreadyActive(r.node);
        if (n.retired) revert NodeIsRetired(r.node);

        uint256 nonce = registrationNonce[r.node];
        _requireSigner(registrationDigest(r, msg.sender, nonce), nodeSignature, r.node);
        uint64 epoch = uint64(nonce + 1);
        registrationNonce[r.node] = epoch;

        if (r.predecessor != address(0)) _linkPredecessor(r.predecessor, r.node, n);
        if (n.registeredAt == 0) _nodeList.push(r.node);
        n.operator = msg.sender;
        n.teeType = r.teeType;
        n.active = true;
        n.registeredAt = uint64(block.timestamp);
        n.lastHeartbeat = 0;
        n.heartbeatBlock = 0;
        n.epoch = epoch;
        n.hpkePublicKey = r.hpkePublicKey;
        n.quoteHash = r.quoteHash;
        n.mrtdHash = r.mrtdHash;
        n.rtmrDigest = r.rtmrDigest;
        n.reportDataHash = r.reportDataHash;
        n.attestationDigest = r.quoteHash;
        n.endpoint = r.endpoint;

        _emitRegistered(r);
    }

    /// @notice Records that an active node is alive with a fresh attestation (digest of its latest quote/evidence).
    /// @dev Sent by the node (signature may be empty) or by its operator with the node's signature over
    ///      NodeHeartbeat(node, epoch, attestationDigest, blockNumber, blockHash). epoch must be the node's current
    ///      one (a heartbeat signed before a re-registration is refused); blockNumber must be one of the last 256
    ///      blocks with blockHash its hash (a heartbeat cannot be signed ahead of time, whatever the host's clock
    ///      says) and above the last heartbeat's block (a heartbeat cannot be replayed).
    function heartbeat(
        address node,
        uint64 epoch,
        bytes32 attestationDigest,
        uint64 blockNumber,
        bytes32 blockHash,
        bytes calldata nodeSignature
    ) external {
        Node storage n = _activeNodeFor(node);
        if (epoch != n.epoch) revert WrongEpoch(epoch, n.epoch);
        if (blockNumber <= n.heartbeatBlock) revert StaleHeartbeat(blockNumber, n.heartbeatBlock);
        // blockhash is zero for the current block, future blocks and blocks older than 256.
        if (blockHash == bytes32(0) || blockhash(blockNumber) != blockHash) revert UnknownBlock(blockNumber, blockHash);
        if (msg.sender != node) {
            _requireSigner(heartbeatDigest(node, epoch, attestationDigest, blockNumber, blockHash), nodeSignature, node);
        }
        n.lastHeartbeat = uint64(block.timestamp);
        n.heartbeatBlock = blockNumber;
        n.attestationDigest = attestationDigest;
        emit NodeHeartbeat(node, epoch, attestationDigest, blockNumber);
    }

    /// @notice Deactivates a node; callable by its operator or by the node itself. The node may register again.
    function deregister(address node) external {
        Node storage n = _nodes[node];
        if (!n.active) revert NodeNotActive(node);
        if (msg.sender != node && msg.sender != n.operator) revert NotOperatorOrNode(msg.sender, node);
        n.active = false;
        emit NodeDeregistered(node, msg.sender);
    }

    /// @notice Retires a node for good (it leaves: its key dies with its TD); callable by its operator or the node.
    ///         Its batches stay verifiable; it can neither register nor post again. A successor may still name it.
    function retireNode(address node) external {
        Node storage n = _nodes[node];
        if (n.registeredAt == 0) revert NodeNotActive(node);
        if (n.retired) revert NodeIsRetired(node);
        if (msg.sender != node && msg.sender != n.operator) revert NotOperatorOrNode(msg.sender, node);
        n.active = false;
        n.retired = true;
        n.retiredAt = uint64(block.timestamp);
        emit NodeRetired(node, msg.sender, address(0));
    }

    /// @notice Publishes a batch of result receipts as the root of the domain-separated Merkle tree of their digests.
    /// @dev Sent by the node (signature may be empty) or by its operator with the node's signature over
    ///      ResultBatch(node, batchIndex, root, count) where batchIndex is the index this batch will get
    ///      (= batchCount before the call), which also makes the signature single-use. The leaves may be receipts
    ///      signed by the node or by its predecessors (see verifyReceipt).
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

    // ---------------------------------------------------------------- measurement allow-list (owner)

    /// @notice Allow-lists a TD identity; returns its id (see measurementProfileId).
    function allowMeasurements(MeasurementProfile calldata p) external returns (bytes32 profileId) {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        profileId = measurementProfileId(p);
        if (_profilePosition[profileId] != 0) revert MeasurementsAlreadyAllowed(profileId);
        _profiles[profileId] = p;
        _allowedProfiles.push(profileId);
        _profilePosition[profileId] = _allowedProfiles.length;
        emit MeasurementsAllowed(profileId, p.name);
    }

    /// @notice Removes a TD identity from the allow-list.
    function revokeMeasurements(bytes32 profileId) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        uint256 position = _profilePosition[profileId];
        if (position == 0) revert MeasurementsNotAllowed(profileId);
        uint256 last = _allowedProfiles.length;
        if (position != last) {
            bytes32 moved = _allowedProfiles[last - 1];
            _allowedProfiles[position - 1] = moved;
            _profilePosition[moved] = position;
        }
        _allowedProfiles.pop();
        delete _profilePosition[profileId];
        delete _profiles[profileId];
        emit MeasurementsRevoked(profileId);
    }

    /// @notice Hands the allow-list to another account.
    function transferOwnership(address newOwner) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @notice The profile id: keccak256(abi.encode(p)), the ABI encoding of the whole MeasurementProfile tuple
    ///         (name included), of a well-formed profile. Reverts InvalidMeasurement
    ///         naming the first malformed field: measurement lengths, unsorted or duplicate setting names, empty
    ///         names, unpaired values, too many settings or too long strings.
    function measurementProfileId(MeasurementProfile calldata p) public pure returns (bytes32) {
        if (bytes(p.name).length > MAX_PROFILE_STRING_LENGTH) revert InvalidMeasurement("name");
        if (p.mrTd.length != 48) revert InvalidMeasurement("mrTd");
        if (p.rtmr0.length != 48) revert InvalidMeasurement("rtmr0");
        if (p.rtmr1.length != 48) revert InvalidMeasurement("rtmr1");
        if (p.rtmr2.length != 48) revert InvalidMeasurement("rtmr2");
        if (p.agentDigest == bytes32(0)) revert InvalidMeasurement("agentDigest");
        uint256 count = p.settingNames.length;
        if (count > MAX_PROFILE_SETTINGS) revert InvalidMeasurement("settingNames");
        if (p.settingValues.length != count) revert InvalidMeasurement("settingValues");
        for (uint256 i = 0; i < count; ++i) {
            bytes calldata name = bytes(p.settingNames[i]);
            if (name.length == 0 || name.length > MAX_PROFILE_STRING_LENGTH) revert InvalidMeasurement("settingNames");
            if (bytes(p.settingValues[i]).length > MAX_PROFILE_STRING_LENGTH) revert InvalidMeasurement("settingValues");
            if (i > 0 && !_lessThan(bytes(p.settingNames[i - 1]), name)) revert InvalidMeasurement("settingNames");
        }
        return keccak256(abi.encode(p));
    }

    /// @notice Number of allowed profiles.
    function measurementCount() external view returns (uint256) {
        return _allowedProfiles.length;
    }

    /// @notice Allowed profile ids, `limit` from `offset` (order changes when one is revoked).
    function listMeasurements(uint256 offset, uint256 limit) external view returns (bytes32[] memory page) {
        uint256 total = _allowedProfiles.length;
        if (offset >= total) return new bytes32[](0);
        uint256 end = total - offset < limit ? total : offset + limit;
        page = new bytes32[](end - offset);
        for (uint256 i = offset; i < end; ++i) {
            page[i - offset] = _allowedProfiles[i];
        }
    }

    function isMeasurementAllowed(bytes32 profileId) external view returns (bool) {
        return _profilePosition[profileId] != 0;
    }

    /// @notice An allowed profile; reverts MeasurementsNotAllowed for any other id.
    function getMeasurements(bytes32 profileId) external view returns (MeasurementProfile memory) {
        if (_profilePosition[profileId] == 0) revert MeasurementsNotAllowed(profileId);
        return _profiles[profileId];
    }

    // ---------------------------------------------------------------- receipts

    /// @notice True when `signature` is `node`'s over the EIP-712 digest of `receipt` (computed here) and that digest
    ///         is a leaf of batch `inclusion.batchIndex` of `inclusion.batchNode`, where batchNode is `node` or a
    ///         successor of it (at most MAX_SUCCESSION_DEPTH links). Reverts BatchNotFound for an unknown batch.
    function verifyReceipt(
        address node,
        JobReceipt calldata receipt,
        bytes calldata signature,
        Inclusion calldata inclusion
    ) external view returns (bool) {
        Batch[] storage list = _batches[inclusion.batchNode];
        if (inclusion.batchIndex >= list.length) revert BatchNotFound(inclusion.batchNode, inclusion.batchIndex);
        bytes32 digest = hashReceipt(receipt);
        if (node == address(0) || _recover(digest, signature) != node) return false;
        if (!_succeeds(node, inclusion.batchNode)) return false;
        return processProof(inclusion.proof, digest) == list[inclusion.batchIndex].root;
    }

    /// @notice The Merkle leaf of a receipt digest: keccak256(0x00 ‖ receiptDigest).
    function leafHash(bytes32 receiptDigest) public pure returns (bytes32 value) {
        assembly ("memory-safe") {
            mstore8(0x00, 0x00)
            mstore(0x01, receiptDigest)
            value := keccak256(0x00, 0x21)
        }
    }

    /// @notice Root obtained by folding `proof` into the leaf of `receiptDigest`, inner node keccak256(0x01 ‖ min ‖ max).
    function processProof(bytes32[] calldata proof, bytes32 receiptDigest) public pure returns (bytes32 computed) {
        computed = leafHash(receiptDigest);
        for (uint256 i = 0; i < proof.length; ++i) {
            bytes32 sibling = proof[i];
            computed = computed < sibling ? _hashPair(computed, sibling) : _hashPair(sibling, computed);
        }
    }

    /// @notice EIP-712 digest of a JobReceipt; lets clients cross-check their own encoder.
    function hashReceipt(JobReceipt calldata r) public view returns (bytes32) {
        return _typedDataHash(
            keccak256(
                abi.encode(
                    RECEIPT_TYPEHASH,
                    r.jobId,
                    r.modelHash,
                    r.inputHash,
                    r.outputHash,
                    r.quoteHash,
                    r.finishedAt,
                    keccak256(bytes(r.backend))
                )
            )
        );
    }

    // ---------------------------------------------------------------- views

    function getNode(address node) external view returns (Node memory) {
        return _nodes[node];
    }

    function isActive(address node) external view returns (bool) {
        return _nodes[node].active;
    }

    /// @notice Number of distinct node addresses ever registered (deregistered and retired ones included).
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
        // Every member is a static 32-byte word, so two abi.encode halves concatenate to the one encoding (split
        // to stay within the EVM's stack).
        bytes32 structHash = keccak256(
            bytes.concat(
                abi.encode(
                    REGISTRATION_TYPEHASH, r.node, operator, r.hpkePublicKey, keccak256(bytes(r.endpoint)), r.teeType
                ),
                abi.encode(r.quoteHash, r.mrtdHash, r.rtmrDigest, r.reportDataHash, r.predecessor, nonce)
            )
        );
        return _typedDataHash(structHash);
    }

    function heartbeatDigest(address node, uint64 epoch, bytes32 attestationDigest, uint64 blockNumber, bytes32 blockHash)
        public
        view
        returns (bytes32)
    {
        return _typedDataHash(
            keccak256(abi.encode(HEARTBEAT_TYPEHASH, node, epoch, attestationDigest, blockNumber, blockHash))
        );
    }

    function batchDigest(address node, uint256 batchIndex, bytes32 root, uint32 count) public view returns (bytes32) {
        return _typedDataHash(keccak256(abi.encode(BATCH_TYPEHASH, node, batchIndex, root, count)));
    }

    // ---------------------------------------------------------------- internals

    function _emitRegistered(Registration calldata r) private {
        emit NodeRegistered(
            r.node, msg.sender, r.hpkePublicKey, r.endpoint, r.teeType, r.quoteHash, r.mrtdHash, r.rtmrDigest,
            r.reportDataHash
        );
    }

    function _linkPredecessor(address predecessor, address node, Node storage n) private {
        if (predecessor == node || n.predecessor != address(0)) revert InvalidPredecessor(predecessor, node);
        Node storage p = _nodes[predecessor];
        if (p.registeredAt == 0) revert InvalidPredecessor(predecessor, node);
        if (p.operator != msg.sender) revert PredecessorNotOperated(predecessor, msg.sender);
        if (p.successor != address(0)) revert PredecessorHasSuccessor(predecessor, p.successor);
        p.successor = node;
        p.active = false;
        if (!p.retired) {
            p.retired = true;
            p.retiredAt = uint64(block.timestamp);
        }
        n.predecessor = predecessor;
        emit NodeRetired(predecessor, msg.sender, node);
    }

    /// @dev True when `later` is `node` or reached from it by at most MAX_SUCCESSION_DEPTH successor links.
    function _succeeds(address node, address later) private view returns (bool) {
        address current = node;
        for (uint256 i = 0; i <= MAX_SUCCESSION_DEPTH; ++i) {
            if (current == later) return true;
            current = _nodes[current].successor;
            if (current == address(0)) return false;
        }
        return false;
    }

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

    /// @dev keccak256(0x01 ‖ a ‖ b).
    function _hashPair(bytes32 a, bytes32 b) private pure returns (bytes32 value) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore8(ptr, 0x01)
            mstore(add(ptr, 1), a)
            mstore(add(ptr, 33), b)
            value := keccak256(ptr, 65)
        }
    }

    /// @dev Bytewise lexicographic a < b.
    function _lessThan(bytes calldata a, bytes calldata b) private pure returns (bool) {
        uint256 length = a.length < b.length ? a.length : b.length;
        for (uint256 i = 0; i < length; ++i) {
            if (a[i] != b[i]) return a[i] < b[i];
        }
        return a.length < b.length;
    }

    function _typedDataHash(bytes32 structHash) private view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));
    }

    function _buildDomainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }
}
