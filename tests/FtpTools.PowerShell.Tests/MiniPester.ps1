# A small runner for the tests/*.Tests.ps1 files, for the PowerShell engine these tests host, which has neither Pester
# nor PowerShell's Management and Utility modules. It follows Pester 5's two phases as far as those files use them:
#
# - Discovery: the file's BeforeDiscovery blocks run in the file's scope, then each Describe/Context body runs once per
#   -ForEach item, with the item's keys as variables, to collect its BeforeAll/AfterAll/BeforeEach/AfterEach blocks and
#   its It blocks (each It once per -ForEach item). Names expand <Key> from the item.
# - Run: each block in a scope of its own below its parent's (BeforeAll dot-sourced there, so its variables reach the
#   block's tests), each It with the BeforeEach and AfterEach blocks of its parents in one scope of its own below its
#   block's. A failing BeforeAll fails every test of its block; an It fails on any terminating error.
#
# Should implements the operators the files use, with Pester 5's rules: pipeline input is collected; operators that
# take arrays (Be, BeExactly, BeNullOrEmpty, Contain) get the whole input, the others each item; no input is $null.
#
# The commands of Management and Utility that the files use are functions here over the engine's provider API
# ($ExecutionContext), for the parameters the files pass. Format-List and Out-String cannot be reproduced without the
# Utility module: a test that calls either is reported as not run, with that reason, and the C# side asserts which
# tests those are.

Set-StrictMode -Off

$script:MiniPesterNotHere = @('Format-List', 'Out-String')

function script:New-MiniBlock([string] $Name, $Data, $Parent) {
    [pscustomobject]@{
        Name       = $Name
        Data       = $Data
        Parent     = $Parent
        BeforeAll  = [System.Collections.Generic.List[scriptblock]]::new()
        AfterAll   = [System.Collections.Generic.List[scriptblock]]::new()
        BeforeEach = [System.Collections.Generic.List[scriptblock]]::new()
        AfterEach  = [System.Collections.Generic.List[scriptblock]]::new()
        Children   = [System.Collections.Generic.List[object]]::new()
        IsTest     = $false
    }
}

function script:Expand-MiniName([string] $Name, $Data) {
    if ($Data -isnot [System.Collections.IDictionary]) { return $Name }
    [regex]::Replace($Name, '<(\w+)>', { param($m) if ($Data.Contains($m.Groups[1].Value)) { "$($Data[$m.Groups[1].Value])" } else { $m.Value } })
}

function script:Get-MiniItems($ForEach, [bool] $HasForEach) {
    if ($HasForEach) { , @($ForEach) } else { , @($null) }
}

function Describe {
    param([Parameter(Position = 0)] [string] $Name, [Parameter(Position = 1)] [scriptblock] $Fixture, [object[]] $ForEach)
    Add-MiniBlock $Name $Fixture $ForEach $PSBoundParameters.ContainsKey('ForEach')
}

function Context {
    param([Parameter(Position = 0)] [string] $Name, [Parameter(Position = 1)] [scriptblock] $Fixture, [object[]] $ForEach)
    Add-MiniBlock $Name $Fixture $ForEach $PSBoundParameters.ContainsKey('ForEach')
}

function script:Add-MiniBlock([string] $__miniName, [scriptblock] $__miniFixture, $__miniForEach, [bool] $__miniHasForEach) {
    foreach ($__miniItem in (Get-MiniItems $__miniForEach $__miniHasForEach)) {
        $__miniParent = $script:MiniPesterCurrent
        $__miniBlock = New-MiniBlock (Expand-MiniName $__miniName $__miniItem) $__miniItem $__miniParent
        $__miniParent.Children.Add($__miniBlock)
        $script:MiniPesterCurrent = $__miniBlock
        try {
            Invoke-MiniWithData $__miniFixture $__miniItem
        }
        finally {
            $script:MiniPesterCurrent = $__miniParent
        }
    }
}

# Runs a script block in a new scope (this function's) with the keys of $Data as variables.
function script:Invoke-MiniWithData([scriptblock] $__miniBody, $__miniData) {
    if ($__miniData -is [System.Collections.IDictionary]) {
        foreach ($__miniKey in $__miniData.Keys) { $ExecutionContext.SessionState.PSVariable.Set($__miniKey, $__miniData[$__miniKey]) }
    }
    $_ = $__miniData
    . $__miniBody
}

function It {
    param([Parameter(Position = 0)] [string] $Name, [Parameter(Position = 1)] [scriptblock] $Test, [object[]] $ForEach)
    foreach ($item in (Get-MiniItems $ForEach $PSBoundParameters.ContainsKey('ForEach'))) {
        $script:MiniPesterCurrent.Children.Add([pscustomobject]@{ Name = (Expand-MiniName $Name $item); Data = $item; Body = $Test; IsTest = $true })
    }
}

function BeforeAll([Parameter(Position = 0)] [scriptblock] $Block) { $script:MiniPesterCurrent.BeforeAll.Add($Block) }
function AfterAll([Parameter(Position = 0)] [scriptblock] $Block) { $script:MiniPesterCurrent.AfterAll.Add($Block) }
function BeforeEach([Parameter(Position = 0)] [scriptblock] $Block) { $script:MiniPesterCurrent.BeforeEach.Add($Block) }
function AfterEach([Parameter(Position = 0)] [scriptblock] $Block) { $script:MiniPesterCurrent.AfterEach.Add($Block) }
function BeforeDiscovery { throw 'BeforeDiscovery is only supported at the top of a test file.' }

# Runs one test file: discovery, then the run. Returns one result per It: Path, Passed, NotRunHere, Message.
function Invoke-MiniPester {
    param([Parameter(Mandatory)] [string] $Path)
    $tokens = $null
    $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref] $tokens, [ref] $errors)
    if ($errors) { throw "$Path does not parse: $($errors[0].Message)" }

    $script:MiniPesterRoot = New-MiniBlock ([IO.Path]::GetFileName($Path)) $null $null
    $script:MiniPesterCurrent = $script:MiniPesterRoot
    $script:MiniPesterResults = [System.Collections.Generic.List[object]]::new()
    Invoke-MiniDiscovery $ast $Path
    # The run, from this scope: what BeforeDiscovery set (in the discovery's scope) is gone, as in Pester 5.
    Invoke-MiniBlock $script:MiniPesterRoot @()
    $script:MiniPesterResults
}

# The file's top-level statements, one by one in this function's scope (the file's scope at discovery):
# BeforeDiscovery's variables are seen by the -ForEach arguments that follow, as in Pester.
function script:Invoke-MiniDiscovery($__miniAst, [string] $__miniPath) {
    foreach ($__miniStatement in $__miniAst.EndBlock.Statements) {
        $__miniCall = $null
        if ($__miniStatement -is [System.Management.Automation.Language.PipelineAst] -and $__miniStatement.PipelineElements.Count -eq 1) {
            $__miniCall = $__miniStatement.PipelineElements[0] -as [System.Management.Automation.Language.CommandAst]
        }
        $__miniName = if ($__miniCall) { $__miniCall.GetCommandName() } else { $null }
        if ($__miniName -eq 'BeforeDiscovery') {
            $__miniBlockCode = $__miniCall.CommandElements[1].ScriptBlock.GetScriptBlock()
            . $__miniBlockCode
        }
        elseif ($__miniName -in 'BeforeAll', 'AfterAll', 'Describe') {
            # The command called with its arguments evaluated here; script blocks keep their place in the file.
            $__miniArgs = [System.Collections.Generic.List[object]]::new()
            foreach ($__miniElement in ($__miniCall.CommandElements | Select-MiniSkip 1)) {
                if ($__miniElement -is [System.Management.Automation.Language.CommandParameterAst]) {
                    $__miniArgs.Add("-$($__miniElement.ParameterName)")
                }
                elseif ($__miniElement -is [System.Management.Automation.Language.ScriptBlockExpressionAst]) {
                    $__miniArgs.Add($__miniElement.ScriptBlock.GetScriptBlock())
                }
                else {
                    $__miniValueCode = [scriptblock]::Create($__miniElement.Extent.Text)
                    $__miniArgs.Add((. $__miniValueCode))
                }
            }
            Invoke-MiniCommand $__miniName $__miniArgs
        }
        else {
            throw "$($__miniPath): line $($__miniStatement.Extent.StartLineNumber): only BeforeDiscovery, BeforeAll, AfterAll and Describe belong at the top of a Pester 5 file (other code runs at discovery only)."
        }
    }
}

function script:Select-MiniSkip([int] $Count) { begin { $i = 0 } process { if ($i++ -ge $Count) { $_ } } }

# Calls Describe/BeforeAll/AfterAll with a list of "-Name" strings and values, binding names as parameters.
function script:Invoke-MiniCommand([string] $Name, $Arguments) {
    $named = @{}
    $positional = [System.Collections.Generic.List[object]]::new()
    for ($i = 0; $i -lt $Arguments.Count; $i++) {
        $a = $Arguments[$i]
        if ($a -is [string] -and $a.StartsWith('-') -and $i + 1 -lt $Arguments.Count -and $a -ne '-') { $named[$a.Substring(1)] = $Arguments[++$i] } else { $positional.Add($a) }
    }
    $p = $positional.ToArray()
    & $Name @p @named
}

function script:Invoke-MiniBlock($__miniBlock, $__miniPath) {
    $__miniPath = @($__miniPath) + @($__miniBlock.Name)
    Invoke-MiniBlockBody $__miniBlock $__miniPath
}

# This function's scope is the block's: its data, $TestDrive and what its BeforeAll blocks set.
function script:Invoke-MiniBlockBody($__miniBlock, $__miniPath) {
    if ($__miniBlock.Data -is [System.Collections.IDictionary]) {
        foreach ($__miniKey in $__miniBlock.Data.Keys) { $ExecutionContext.SessionState.PSVariable.Set($__miniKey, $__miniBlock.Data[$__miniKey]) }
    }
    $__miniDrive = Join-Path ([IO.Path]::GetTempPath()) ('minipester-' + [guid]::NewGuid().ToString('N'))
    $null = [IO.Directory]::CreateDirectory($__miniDrive)
    $TestDrive = $__miniDrive
    $__miniFailure = $null
    try {
        try {
            foreach ($__miniSetup in $__miniBlock.BeforeAll) { . $__miniSetup }
        }
        catch {
            $__miniFailure = "BeforeAll failed: $(Format-MiniError $_)"
        }
        foreach ($__miniChild in $__miniBlock.Children) {
            if ($__miniFailure) {
                Add-MiniFailure $__miniChild $__miniPath $__miniFailure
            }
            elseif ($__miniChild.IsTest) {
                Invoke-MiniTest $__miniChild $__miniBlock $__miniPath
            }
            else {
                Invoke-MiniBlock $__miniChild $__miniPath
            }
        }
    }
    finally {
        foreach ($__miniTeardown in $__miniBlock.AfterAll) {
            try { . $__miniTeardown } catch { $script:MiniPesterResults.Add([pscustomobject]@{ Path = (@($__miniPath) + 'AfterAll') -join ' > '; Passed = $false; NotRunHere = $null; Message = "AfterAll failed: $(Format-MiniError $_)" }) }
        }
        [IO.Directory]::Delete($__miniDrive, $true)
    }
}

function script:Add-MiniFailure($Node, $Path, [string] $Message) {
    if ($Node.IsTest) {
        $script:MiniPesterResults.Add([pscustomobject]@{ Path = (@($Path) + $Node.Name) -join ' > '; Passed = $false; NotRunHere = $null; Message = $Message })
    }
    else {
        foreach ($child in $Node.Children) { Add-MiniFailure $child (@($Path) + $Node.Name) $Message }
    }
}

function script:Format-MiniError($ErrorRecord) {
    "$($ErrorRecord.Exception.Message) [$($ErrorRecord.FullyQualifiedErrorId)]`n$($ErrorRecord.InvocationInfo.PositionMessage)"
}

# This function's scope is the test's: its data, what BeforeEach sets, the test body, AfterEach.
function script:Invoke-MiniTest($__miniTest, $__miniBlock, $__miniPath) {
    $__miniName = (@($__miniPath) + $__miniTest.Name) -join ' > '
    $__miniCalls = $__miniTest.Body.Ast.FindAll({ param($a) $a -is [System.Management.Automation.Language.CommandAst] }, $true) | ForEach-Object { $_.GetCommandName() }
    $__miniMissing = @($__miniCalls | Where-Object { $script:MiniPesterNotHere -contains $_ })
    if ($__miniMissing.Count -gt 0) {
        $script:MiniPesterResults.Add([pscustomobject]@{ Path = $__miniName; Passed = $false; NotRunHere = "calls $($__miniMissing[0]) (PowerShell's Utility module, not in this engine)"; Message = $null })
        return
    }

    $__miniChain = [System.Collections.Generic.List[object]]::new()
    for ($__miniB = $__miniBlock; $null -ne $__miniB; $__miniB = $__miniB.Parent) { $__miniChain.Insert(0, $__miniB) }
    if ($__miniTest.Data -is [System.Collections.IDictionary]) {
        foreach ($__miniKey in $__miniTest.Data.Keys) { $ExecutionContext.SessionState.PSVariable.Set($__miniKey, $__miniTest.Data[$__miniKey]) }
    }
    $__miniMessage = $null
    try {
        foreach ($__miniB in $__miniChain) { foreach ($__miniSetup in $__miniB.BeforeEach) { . $__miniSetup } }
        . $__miniTest.Body
    }
    catch {
        $__miniMessage = Format-MiniError $_
    }
    finally {
        for ($__miniI = $__miniChain.Count - 1; $__miniI -ge 0; $__miniI--) {
            foreach ($__miniTeardown in $__miniChain[$__miniI].AfterEach) {
                try { . $__miniTeardown } catch { if (-not $__miniMessage) { $__miniMessage = "AfterEach failed: $(Format-MiniError $_)" } }
            }
        }
    }
    $script:MiniPesterResults.Add([pscustomobject]@{ Path = $__miniName; Passed = $null -eq $__miniMessage; NotRunHere = $null; Message = $__miniMessage })
}

# --- Should -------------------------------------------------------------------------------------------------------

function Should {
    [CmdletBinding()]
    param(
        [Parameter(ValueFromPipeline = $true)] [object] $ActualValue,
        [Parameter(Position = 0)] [object] $ExpectedValue,
        [switch] $Not,
        [switch] $Be, [switch] $BeExactly, [switch] $BeNullOrEmpty, [switch] $BeTrue, [switch] $BeFalse,
        [switch] $BeGreaterThan, [switch] $BeLessOrEqual, [switch] $BeIn, [switch] $BeLike, [switch] $BeOfType,
        [switch] $Contain, [switch] $Match, [switch] $Throw,
        [string] $ErrorId, [string] $ExpectedMessage, [string] $Because
    )
    begin { $inputs = [System.Collections.Generic.List[object]]::new() }
    process { if ($MyInvocation.ExpectingInput) { $inputs.Add($ActualValue) } }
    end {
        if (-not $MyInvocation.ExpectingInput) { $inputs.Add($ActualValue) }
        $operators = @('Be', 'BeExactly', 'BeNullOrEmpty', 'BeTrue', 'BeFalse', 'BeGreaterThan', 'BeLessOrEqual', 'BeIn', 'BeLike', 'BeOfType', 'Contain', 'Match', 'Throw') | Where-Object { $PSBoundParameters.ContainsKey($_) }
        if (@($operators).Count -ne 1) { throw "Should needs exactly one operator: $($MyInvocation.Line.Trim())" }
        $operator = @($operators)[0]
        $arrayInput = $operator -in 'Be', 'BeExactly', 'BeNullOrEmpty', 'Contain'
        $values = if ($inputs.Count -eq 0) { , @($null) } elseif ($arrayInput) { , @(, $inputs.ToArray()) } else { , $inputs.ToArray() }
        foreach ($value in $values) {
            $ok = Test-MiniShould $operator $value $ExpectedValue $ErrorId $ExpectedMessage
            if ($Not) { $ok = -not $ok }
            if (-not $ok) {
                $because = if ($Because) { " because $Because" } else { '' }
                $shown = if ($operator -eq 'Throw') { $script:MiniThrown } else { Format-MiniValue $value }
                $expected = if ($PSBoundParameters.ContainsKey('ExpectedValue')) { ' ' + (Format-MiniValue $ExpectedValue) } else { '' }
                throw "Expected$(if ($Not) { ' not' }) -$operator$expected$(if ($ErrorId) { " -ErrorId $ErrorId" })$because, but got $shown. (line $($MyInvocation.ScriptLineNumber): $($MyInvocation.Line.Trim()))"
            }
        }
    }
}

function script:Format-MiniValue($Value) {
    if ($null -eq $Value) { return '$null' }
    if ($Value -is [array]) { return '@(' + (($Value | ForEach-Object { Format-MiniValue $_ }) -join ', ') + ')' }
    if ($Value -is [string]) { return "'$Value'" }
    "$Value"
}

function script:Test-MiniNullOrEmpty($Value) {
    $items = @($Value)
    if ($items.Count -eq 0) { return $true }
    if ($items.Count -gt 1) { return $false }
    $one = $items[0]
    if ($one -is [hashtable]) { return $one.Count -eq 0 }
    [string]::IsNullOrEmpty($one)
}

function script:Test-MiniEqual($Actual, $Expected, [bool] $CaseSensitive) {
    $a = @($Actual)
    $e = @($Expected)
    $aEmpty = $a.Count -eq 0 -or ($a.Count -eq 1 -and $null -eq $a[0])
    $eEmpty = $e.Count -eq 0 -or ($e.Count -eq 1 -and $null -eq $e[0])
    if ($aEmpty -or $eEmpty) { return $aEmpty -and $eEmpty }
    if ($a.Count -ne $e.Count) { return $false }
    for ($i = 0; $i -lt $a.Count; $i++) {
        if ($a[$i] -is [array] -or $e[$i] -is [array]) {
            if (-not (Test-MiniEqual $a[$i] $e[$i] $CaseSensitive)) { return $false }
        }
        elseif ($CaseSensitive) {
            if (-not ($e[$i] -ceq $a[$i])) { return $false }
        }
        elseif (-not ($e[$i] -eq $a[$i])) { return $false }
    }
    $true
}

function script:Test-MiniShould([string] $Operator, $Value, $Expected, [string] $ErrorId, [string] $ExpectedMessage) {
    switch ($Operator) {
        'Be' { return Test-MiniEqual $Value $Expected $false }
        'BeExactly' { return Test-MiniEqual $Value $Expected $true }
        'BeNullOrEmpty' { return Test-MiniNullOrEmpty $Value }
        'BeTrue' { return [bool]$Value }
        'BeFalse' { return -not [bool]$Value }
        'BeGreaterThan' { return $Value -gt $Expected }
        'BeLessOrEqual' { return $Value -le $Expected }
        'BeIn' { return $Expected -contains $Value }
        'BeLike' { return $Value -like $Expected }
        'BeOfType' {
            $type = if ($Expected -is [type]) { $Expected } else { "$Expected".Trim('[', ']') -as [type] }
            if ($null -eq $type) { throw "Should -BeOfType: unknown type $Expected" }
            return $Value -is $type
        }
        'Contain' { return @($Value) -contains $Expected }
        'Match' { return $Value -match $Expected }
        'Throw' {
            if ($Value -isnot [scriptblock]) { throw 'Should -Throw needs a script block as input.' }
            $script:MiniThrown = 'no exception'
            try {
                $null = & $Value
            }
            catch {
                $script:MiniThrown = "'$($_.Exception.Message)' with FullyQualifiedErrorId '$($_.FullyQualifiedErrorId)'"
                if ($ErrorId -and -not ($_.FullyQualifiedErrorId -like $ErrorId)) { return $false }
                if ($ExpectedMessage -and -not ($_.Exception.Message -like $ExpectedMessage)) { return $false }
                return $true
            }
            return $false
        }
    }
}

# --- Management and Utility commands the test files use, over the engine's provider API ---------------------------

function Join-Path {
    param([Parameter(Mandatory, Position = 0)] [string] $Path, [Parameter(Mandatory, Position = 1)] [string] $ChildPath)
    $ExecutionContext.SessionState.Path.Combine($Path, $ChildPath)
}

function Split-Path {
    param([Parameter(Mandatory, Position = 0)] [string] $Path, [switch] $Parent, [switch] $Leaf)
    if ($Leaf) { $ExecutionContext.SessionState.Path.ParseChildName($Path) } else { $ExecutionContext.SessionState.Path.ParseParent($Path, $null) }
}

function Test-Path {
    param([Parameter(Position = 0)] [string] $Path, [string] $LiteralPath, [ValidateSet('Any', 'Leaf', 'Container')] [string] $PathType = 'Any')
    $literal = $PSBoundParameters.ContainsKey('LiteralPath')
    $target = if ($literal) { $LiteralPath } else { $Path }
    if ([string]::IsNullOrEmpty($target)) { throw 'Test-Path: no path.' }
    if (-not $ExecutionContext.InvokeProvider.Item.Exists($target, $false, $literal)) { return $false }
    $container = $ExecutionContext.InvokeProvider.Item.IsContainer($target)
    switch ($PathType) { 'Leaf' { -not $container } 'Container' { $container } default { $true } }
}

function Get-Item {
    param([string] $LiteralPath)
    $ExecutionContext.InvokeProvider.Item.Get([string[]]@($LiteralPath), $false, $true)
}

function Get-ChildItem {
    param([Parameter(Position = 0)] [string] $Path, [string] $LiteralPath, [string] $Filter, [switch] $Force, [switch] $Recurse, [switch] $File, [switch] $Directory)
    $literal = $PSBoundParameters.ContainsKey('LiteralPath')
    $target = if ($literal) { $LiteralPath } else { $Path }
    $ExecutionContext.InvokeProvider.ChildItem.Get([string[]]@($target), [bool]$Recurse, [uint32]::MaxValue, [bool]$Force, $literal) |
        Where-Object { (-not $Filter -or $_.Name -like $Filter) -and (-not $File -or -not $_.PSIsContainer) -and (-not $Directory -or $_.PSIsContainer) }
}

function New-Item {
    param([string] $ItemType, [string] $Path, [switch] $Force)
    $ExecutionContext.InvokeProvider.Item.New([string[]]@($Path), $null, $ItemType, $null, [bool]$Force)
}

function Remove-Item {
    [CmdletBinding()]
    param([string] $LiteralPath, [switch] $Recurse, [switch] $Force)
    try { $ExecutionContext.InvokeProvider.Item.Remove([string[]]@($LiteralPath), [bool]$Recurse, [bool]$Force, $true) }
    catch { $PSCmdlet.WriteError($_) }
}

function Set-Content {
    param([string] $LiteralPath, [object] $Value)
    [IO.File]::WriteAllText($LiteralPath, "$Value" + [Environment]::NewLine)
}

function Get-Content {
    param([string] $LiteralPath)
    [IO.File]::ReadAllLines($LiteralPath)
}

function Get-FileHash {
    param([string] $Algorithm = 'SHA256', [string] $LiteralPath)
    $hasher = switch ($Algorithm) {
        'SHA1' { [System.Security.Cryptography.SHA1]::Create() } 'SHA256' { [System.Security.Cryptography.SHA256]::Create() }
        'SHA384' { [System.Security.Cryptography.SHA384]::Create() } 'SHA512' { [System.Security.Cryptography.SHA512]::Create() }
        'MD5' { [System.Security.Cryptography.MD5]::Create() } default { throw "Get-FileHash: unknown algorithm $Algorithm" }
    }
    $stream = [IO.File]::OpenRead($LiteralPath)
    try { $hash = [BitConverter]::ToString($hasher.ComputeHash($stream)).Replace('-', '') } finally { $stream.Dispose(); $hasher.Dispose() }
    [pscustomobject]@{ Algorithm = $Algorithm.ToUpperInvariant(); Hash = $hash; Path = $LiteralPath }
}

function ConvertTo-SecureString {
    param([Parameter(Position = 0)] [string] $String, [switch] $AsPlainText, [switch] $Force)
    $secure = [System.Security.SecureString]::new()
    foreach ($c in $String.ToCharArray()) { $secure.AppendChar($c) }
    $secure.MakeReadOnly()
    $secure
}

function Sort-Object {
    param([Parameter(ValueFromPipeline)] [object] $InputObject, [Parameter(Position = 0)] [string] $Property, [switch] $Unique)
    begin { $all = [System.Collections.Generic.List[object]]::new() }
    process { $all.Add($InputObject) }
    end {
        $key = if ($Property) { { param($o) $o.$Property } } else { { param($o) $o } }
        $comparison = [Comparison[object]] { param($x, $y) [System.Management.Automation.LanguagePrimitives]::Compare((& $key $x), (& $key $y), $true) }
        $all.Sort($comparison)
        $last = $null
        $first = $true
        foreach ($o in $all) {
            if ($Unique -and -not $first -and [System.Management.Automation.LanguagePrimitives]::Compare((& $key $o), (& $key $last), $true) -eq 0) { continue }
            $o
            $last = $o
            $first = $false
        }
    }
}

function Select-Object {
    param([Parameter(ValueFromPipeline)] [object] $InputObject, [int] $Last, [int] $First)
    begin { $all = [System.Collections.Generic.List[object]]::new() }
    process { $all.Add($InputObject) }
    end {
        if ($PSBoundParameters.ContainsKey('Last')) { $all | Select-MiniSkip ([Math]::Max(0, $all.Count - $Last)) }
        elseif ($PSBoundParameters.ContainsKey('First')) { for ($i = 0; $i -lt [Math]::Min($First, $all.Count); $i++) { $all[$i] } }
        else { $all }
    }
}

function Stop-Process {
    [CmdletBinding()]
    param([int[]] $Id, [switch] $Force)
    foreach ($one in $Id) {
        try { [System.Diagnostics.Process]::GetProcessById($one).Kill() } catch { $PSCmdlet.WriteError($_) }
    }
}

function Push-Location {
    param([Parameter(Position = 0)] [string] $Path)
    $ExecutionContext.SessionState.Path.PushCurrentLocation('')
    $null = $ExecutionContext.SessionState.Path.SetLocation($Path)
}

function Pop-Location {
    $null = $ExecutionContext.SessionState.Path.PopLocation('')
}
